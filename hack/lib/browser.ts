// A real browser for tests and doc pictures of HTML pages: Debian's chromium (installed on first use
// by hack/ensure-browser.sh), driven by playwright-core through its path. No network is touched.
import { existsSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { repoRoot } from "./paths.ts";
import { run } from "./run.ts";

const candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

export async function launchChromium(): Promise<Browser> {
  if (!candidates.some(existsSync)) await run("sh", [path.join(repoRoot, "hack/ensure-browser.sh")]);
  const executablePath = candidates.find(existsSync);
  if (!executablePath) throw new Error("chromium is not installed: run sh hack/ensure-browser.sh");
  // --no-sandbox: the tests run as root on CI, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ["--no-sandbox"] });
}
