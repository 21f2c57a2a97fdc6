#!/usr/bin/env python3
"""A stand-in for IAM Identity Center on 127.0.0.1, for the SSO sign-in test: the three SSO OIDC
operations of the device-authorization flow (RegisterClient, StartDeviceAuthorization,
CreateToken) and the SSO portal's GetRoleCredentials. The user's approval is a GET of the
verification page. Prints the port it listens on, then serves until killed."""
import json
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

codes = {}  # device code -> user code
approved = set()  # user codes approved in the "browser"
tokens = set()  # access tokens handed out


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("identity center double: " + (format % args) + "\n")

    def reply(self, status, body, error_type=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_POST(self):
        path = urlparse(self.path).path
        request = self.body()
        now = int(time.time())
        if path == "/client/register":
            if not request.get("clientName"):
                return self.reply(400, {"error": "invalid_request"}, "InvalidRequestException")
            return self.reply(200, {
                "clientId": "client-" + secrets.token_hex(4),
                "clientSecret": "secret-" + secrets.token_hex(8),
                "clientIdIssuedAt": now,
                "clientSecretExpiresAt": now + 90 * 86400,
            })
        if path == "/device_authorization":
            device, user = "device-" + secrets.token_hex(8), "ABCD-EFGH"
            codes[device] = user
            base = "http://127.0.0.1:%d/verify" % self.server.server_address[1]
            return self.reply(200, {
                "deviceCode": device,
                "userCode": user,
                "verificationUri": base,
                "verificationUriComplete": base + "?user_code=" + user,
                "expiresIn": 600,
                "interval": 1,
            })
        if path == "/token":
            device = request.get("deviceCode")
            if request.get("grantType") != "urn:ietf:params:oauth:grant-type:device_code" or device not in codes:
                return self.reply(400, {"error": "invalid_grant"}, "InvalidGrantException")
            if codes[device] not in approved:
                return self.reply(400, {"error": "authorization_pending"}, "AuthorizationPendingException")
            token = "token-" + secrets.token_hex(8)
            tokens.add(token)
            return self.reply(200, {
                "accessToken": token,
                "tokenType": "Bearer",
                "expiresIn": 3600,
                "refreshToken": "refresh-" + secrets.token_hex(8),
            })
        self.reply(404, {"message": "no such operation"})

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/verify":
            approved.add(query.get("user_code", [""])[0])
            data = b"Approved. You can go back to Skiff."
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if url.path == "/federation/credentials":
            if self.headers.get("x-amz-sso_bearer_token") not in tokens:
                return self.reply(401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
            return self.reply(200, {"roleCredentials": {
                "accessKeyId": "testing",
                "secretAccessKey": "testing",
                "sessionToken": "session-" + secrets.token_hex(4),
                "expiration": int((time.time() + 3600) * 1000),
            }})
        self.reply(404, {"message": "no such page"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
