// Uploads through the Skiff web app as a user would: a file dropped on the canvas, as a drag from
// the desktop does; a file chosen in the browser's file picker after a click on "Upload files…";
// and a folder dropped on the canvas, the way the desktop drags one (Chromium's own drag
// events). Waits until each object exists. Usage:
//   node upload.mjs APP_URL SCREENSHOT_DIR DROP_FILE DROP_LANDED PICK_FILE PICK_LANDED \
//     DROP_FOLDER FOLDER_LANDED_JSON
// APP_URL opens the app on the bucket and prefix to upload into (?bucket=…&prefix=…); each
// *_LANDED is a presigned HEAD of the key that file should become (FOLDER_LANDED_JSON: a JSON
// list of them, one for each file in the folder). The test around it (web/e2e.sh) then checks
// through the S3 API that the objects' bytes are the files'.
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, shots, file, landed, picked, pickedLanded, folder, folderLanded] = process.argv.slice(2);
if (!url || !shots || !file || !landed || !picked || !pickedLanded || !folder || !folderLanded) {
  console.error('usage: node upload.mjs APP_URL SCREENSHOT_DIR DROP_FILE DROP_LANDED PICK_FILE PICK_LANDED DROP_FOLDER FOLDER_LANDED_JSON');
  process.exit(2);
}
// Where "⬆ Upload files…" sits in the toolbar at this viewport (egui draws on a canvas: there
// is no element to find). If the toolbar changes, this test says so.
const UPLOAD_FILES_BUTTON = { x: 675, y: 76 };

async function waitFor(page, what, headUrl) {
  const deadline = Date.now() + 120_000;
  while ((await fetch(headUrl, { method: 'HEAD' })).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${what} did not arrive within 120 s`);
    await page.waitForTimeout(250);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  // WebGL in headless chromium needs swiftshader.
  args: [
    '--no-sandbox',
    '--enable-unsafe-swiftshader',
    '--use-angle=swiftshader',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => { if (m.type() === 'error') console.error(`page: ${m.text()}`); });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(url);
  // The loading message goes once the app runs; then give it a moment to connect and list.
  await page.waitForSelector('#loading', { state: 'detached', timeout: 60_000 });
  await page.waitForTimeout(2_000);
  await page.screenshot({ path: join(shots, 'web-before-drop.png') });

  // The page reads the file through a route Playwright answers from disk, so a large file
  // crosses into the page as a Blob, not as a string.
  const name = basename(file);
  await page.route('http://e2e.invalid/file', (route) => route.fulfill({ path: file }));
  // What a desktop drag does: dragenter and dragover with the file, then drop, on the canvas.
  await page.evaluate(async ({ name }) => {
    const blob = await (await fetch('http://e2e.invalid/file')).blob();
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], name, { type: 'application/octet-stream' }));
    const canvas = document.getElementById('skiff_canvas');
    const box = canvas.getBoundingClientRect();
    const at = { clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 };
    for (const type of ['dragenter', 'dragover']) {
      canvas.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer, ...at }));
    }
    await new Promise((r) => setTimeout(r, 300));
    canvas.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer, ...at }));
  }, { name });
  // The queue panel appears and fills: one screenshot while it moves, one when it is done.
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(shots, 'web-upload-in-progress.png') });
  await waitFor(page, name, landed);
  // The queue shows it done and the listing refreshes on the next frames.
  await page.waitForTimeout(1_500);
  await page.screenshot({ path: join(shots, 'web-upload-done.png') });
  console.log(`dropped ${name}; it arrived`);

  // The file picker: a click on the button opens it, the user chooses a file. The app opens
  // the picker on its next frame, within the click's user activation; on a loaded machine that
  // frame can come late, so the click is tried again before the test gives up.
  const { x, y } = UPLOAD_FILES_BUTTON;
  let dialog = null;
  for (let attempt = 1; attempt <= 3 && !dialog; attempt++) {
    await page.mouse.move(x, y);
    await page.waitForTimeout(150);
    const chooser = page.waitForEvent('filechooser', { timeout: 8_000 });
    await page.mouse.down();
    await page.mouse.up();
    dialog = await chooser.catch(() => null);
    if (!dialog) {
      await page.screenshot({ path: join(shots, `web-no-picker-${attempt}.png`) });
      console.error(`no file picker after click ${attempt} at (${x}, ${y})`);
    }
  }
  if (!dialog) {
    throw new Error(`no file picker opened on a click at (${x}, ${y}): is "Upload files…" still there? (see web-no-picker-*.png)`);
  }
  await dialog.setFiles(picked);
  await waitFor(page, basename(picked), pickedLanded);
  await page.waitForTimeout(1_500);
  await page.screenshot({ path: join(shots, 'web-picked-done.png') });
  console.log(`picked ${basename(picked)}; it arrived`);

  // A folder dragged from the desktop: Chromium's drag events with the folder's path, which the
  // page sees as a directory entry, as with a real drag.
  const cdp = await page.context().newCDPSession(page);
  const box = await page.locator('#skiff_canvas').boundingBox();
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = { items: [], files: [folder], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver']) {
    await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  }
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, 'web-folder-hover.png') });
  await cdp.send('Input.dispatchDragEvent', { type: 'drop', ...at, data });
  for (const [i, headUrl] of JSON.parse(folderLanded).entries()) {
    await waitFor(page, `file ${i + 1} of ${basename(folder)}`, headUrl);
  }
  await page.waitForTimeout(1_500);
  await page.screenshot({ path: join(shots, 'web-folder-done.png') });
  console.log(`dropped the folder ${basename(folder)}; its files arrived`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
