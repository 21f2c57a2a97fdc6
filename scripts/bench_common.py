"""What the benchmark scripts share: a private Garage node, and the environment that points the
AWS CLI, s5cmd, rclone and skiff at it."""
import os, subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIFF = os.path.join(ROOT, "target", "release", "skiff")


def garage(tmp, port):
    """Starts a Garage node in `tmp` on 127.0.0.1:`port`; returns (endpoint, env, stop)."""
    out = subprocess.check_output([os.path.join(ROOT, "scripts", "garage-node.sh"), tmp, str(port)], text=True)
    g = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    endpoint = g["SKIFF_TEST_GARAGE_ENDPOINT"]
    key, secret = g["SKIFF_TEST_GARAGE_KEY_ID"], g["SKIFF_TEST_GARAGE_SECRET"]
    env = dict(os.environ)
    # The endpoint is plain HTTP; rclone refuses a custom CA bundle it cannot apply.
    env.pop("AWS_CA_BUNDLE", None)
    env.update(
        AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
        AWS_REGION="garage", AWS_DEFAULT_REGION="garage", AWS_ENDPOINT_URL=endpoint,
        S3_ENDPOINT_URL=endpoint,
        AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        RCLONE_CONFIG_G_TYPE="s3", RCLONE_CONFIG_G_PROVIDER="Other", RCLONE_CONFIG_G_ENDPOINT=endpoint,
        RCLONE_CONFIG_G_ACCESS_KEY_ID=key, RCLONE_CONFIG_G_SECRET_ACCESS_KEY=secret,
        RCLONE_CONFIG_G_REGION="garage", RCLONE_CONFIG_G_FORCE_PATH_STYLE="true",
    )

    def stop():
        pid = open(os.path.join(tmp, "garage.pid")).read().strip()
        subprocess.call(["kill", pid])

    return endpoint, env, stop
