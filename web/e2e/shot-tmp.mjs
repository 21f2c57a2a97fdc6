import { chromium } from 'playwright-core';
const url = process.argv[2];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox','--enable-unsafe-swiftshader','--use-angle=swiftshader','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
async function shot(prefix, y, name, space) {
  await page.goto(`${url}?bucket=ml-data&prefix=${encodeURIComponent(prefix)}`);
  await page.waitForTimeout(6000);
  await page.mouse.click(300, y);
  await page.waitForTimeout(4000);
  if (space) { await page.keyboard.press('Space'); await page.waitForTimeout(2500); }
  await page.screenshot({ path: `/tmp/web-${name}.png` });
}
await shot('datasets/taxi/v3/', 207, 'parquet', true);
await shot('datasets/taxi/v3/', 231, 'csv', false);
await shot('datasets/taxi/v3/', 158, 'broken', false);
await shot('checkpoints/llama-mini/', 231, 'checkpoint', false);
await shot('pictures/', 158, 'image', false);
await browser.close();
