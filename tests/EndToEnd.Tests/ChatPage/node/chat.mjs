// Drives the chat page in Debian's Chromium through playwright-core. Every step takes a screenshot into the
// screenshots folder; the last line of stdout is a JSON object with what was seen, which the C# test checks.
// Usage: node chat.mjs <settings.json>
import { chromium } from "playwright-core";
import { readFile, mkdir } from "node:fs/promises";
import { join } from "node:path";

const settings = JSON.parse(await readFile(process.argv[2], "utf8"));
const { baseUrl, email, password, openServerUrl, gatedServerUrl, downstreamEmail, downstreamPassword, model, prompts, screenshots } = settings;
await mkdir(screenshots, { recursive: true });
const result = { steps: [] };
const timeout = 30_000;

const browser = await chromium.launch({
  executablePath: settings.chromium ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-smooth-scrolling",
    "--disable-component-update", "--disable-sync"],
});
let page;
let popup;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(timeout);
  page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  let n = 0;
  const shot = async (name, target = page) => {
    const file = join(screenshots, `${String(++n).padStart(2, "0")}-${name}.png`);
    await target.screenshot({ path: file, fullPage: false });
    result.steps.push(name);
  };
  const lastAnswer = () => page.locator(".message.assistant").last();
  // How a page looks to a person: its background, whether it scrolls sideways or down, and its way back to the chat.
  const looks = (target) => target.evaluate(() => ({
    background: getComputedStyle(document.body).backgroundColor,
    overflowX: document.documentElement.scrollWidth > window.innerWidth + 1,
    backToChat: document.getElementById("back-to-chat")?.getAttribute("href") ?? null,
  }));
  const waitForIdle = () => page.waitForFunction(() => !document.querySelector(".message.streaming") && document.querySelector("#send:not([disabled])"));

  // 1. Signed out, / sends the browser to the sign-in page; signing in comes back to the chat.
  await page.goto(baseUrl);
  result.signInUrl = page.url();
  result.signInLooks = await looks(page);
  await shot("sign-in");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.press("#password", "Enter");
  await page.waitForURL((u) => u.pathname === "/");
  await page.waitForSelector(`#model option[value="${model}"]`, { state: "attached" });
  result.models = await page.$$eval("#model option", (os) => os.map((o) => o.value));
  result.initialModel = await page.$eval("#model", (s) => s.value);
  result.initialModelLabel = await page.$eval("#model", (s) => s.selectedOptions[0]?.textContent);
  result.faviconStatus = (await page.request.get(new URL("/favicon.ico", baseUrl).href)).status();
  result.faviconType = (await page.request.get(new URL("/favicon.ico", baseUrl).href)).headers()["content-type"];
  result.iconLink = await page.$eval("link[rel=icon]", (l) => l.href);
  await shot("signed-in");

  // 2. Pick a model (keyboard: focus the picker and choose).
  await page.selectOption("#model", model);

  // 3. Add the open server in the dialog; it shows as connected with its tools.
  await page.click("#open-servers");
  await page.fill("#server-url", openServerUrl);
  await page.press("#server-url", "Enter");
  const openItem = page.locator(".server", { hasText: openServerUrl });
  await openItem.locator(".status.connected").waitFor();
  await openItem.locator("summary").click();
  result.openServerTools = await openItem.locator(".tools code").allTextContents();
  await shot("server-added");
  await page.keyboard.press("Escape");

  // 4. Send a message with the keyboard; the tool block and the streamed answer appear.
  await page.evaluate(() => {
    window.__streamingSeen = 0;
    new MutationObserver(() => { if (document.querySelector(".message.streaming .content")?.textContent) window.__streamingSeen++; })
      .observe(document.getElementById("messages"), { subtree: true, childList: true, characterData: true });
  });
  await page.fill("#prompt", prompts.echo);
  await page.press("#prompt", "Enter");
  await lastAnswer().locator("details summary.tool-call").first().waitFor();
  await waitForIdle();
  for (const summary of await lastAnswer().locator("details summary").all()) await summary.click();
  result.echoAnswer = await lastAnswer().locator(".content").innerText();
  result.echoToolSummaries = await lastAnswer().locator("details summary").allTextContents();
  result.toolIcons = await lastAnswer().locator("summary.tool-call svg.tool-icon").evaluateAll((icons) => icons.map((i) => i.getBoundingClientRect().width));
  result.wrenchCharacters = await page.evaluate(() => document.getElementById("messages").textContent.includes("\u{1F527}"));
  result.streamingUpdates = await page.evaluate(() => window.__streamingSeen);
  await shot("tool-block-and-answer");

  // 5. Add the login-gated server: it needs a login. Ask; the answer asks for the login with a button.
  await page.click("#open-servers");
  await page.fill("#server-url", gatedServerUrl);
  await page.press("#server-url", "Enter");
  const gatedItem = page.locator(".server", { hasText: gatedServerUrl });
  await gatedItem.locator(".status.needs_login").waitFor();
  await shot("server-needs-login");
  await page.keyboard.press("Escape");
  await page.fill("#prompt", prompts.gated);
  await page.press("#prompt", "Enter");
  const loginButton = page.locator(".login-button").last();
  await loginButton.waitFor();
  await waitForIdle();
  result.loginButtonText = await loginButton.innerText();
  await shot("login-needed");

  // 6. The login opens in a popup: sign in at the downstream server and allow; the popup closes and the answer comes.
  [popup] = await Promise.all([page.waitForEvent("popup"), loginButton.click()]);
  // Listen before anything can close it: the callback page closes the popup as soon as it loads.
  const popupClosed = popup.waitForEvent("close", { timeout: 2 * timeout });
  popupClosed.catch(() => { /* awaited below; a failure before then is reported by its own step */ });
  await popup.waitForSelector("#email");
  result.popupLoginHost = new URL(popup.url()).host;
  // The sign-in and consent pages at phone width in the dark theme.
  await popup.setViewportSize({ width: 390, height: 720 });
  await popup.emulateMedia({ colorScheme: "dark" });
  result.popupSignInLooks = await looks(popup);
  await shot("popup-sign-in", popup);
  await popup.fill("#email", downstreamEmail);
  await popup.fill("#password", downstreamPassword);
  await Promise.all([popup.waitForNavigation(), popup.press("#password", "Enter")]);
  const allow = popup.locator('button[name="decision"][value="allow"]');
  if (!popup.isClosed() && await allow.count() > 0) {
    result.consentLooks = await looks(popup);
    await shot("popup-consent", popup);
    await allow.click({ noWaitAfter: true });
  }
  await popupClosed;
  await page.waitForFunction((text) => document.querySelector(".message.assistant:last-of-type .content")?.textContent.includes(text), prompts.gatedAnswer, { timeout });
  await waitForIdle();
  result.gatedAnswer = await lastAnswer().locator(".content").innerText();
  result.loginButtonsLeft = await page.locator(".login-button").count();
  await shot("answer-after-login");

  // 7. A tool result (and a model repeating it) carrying script: rendered inert.
  await page.fill("#prompt", prompts.payload);
  await page.press("#prompt", "Enter");
  await page.waitForFunction((text) => document.querySelector(".message.assistant:last-of-type .content")?.textContent.includes(text), prompts.payloadAnswer, { timeout });
  await waitForIdle();
  await page.waitForTimeout(300);
  for (const summary of await lastAnswer().locator("details summary").all()) await summary.click();
  result.xssFlag = await page.evaluate(() => window.__chatXss ?? null);
  result.scriptsInMessages = await page.locator("#messages script").count();
  result.handlersInMessages = await page.evaluate(() => [...document.querySelectorAll("#messages *")].filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length);
  result.payloadAnswer = await lastAnswer().locator(".content").innerText();
  await shot("payload-inert");

  // 8. The conversation is kept: it is listed, and a reload shows it again.
  result.conversationTitles = await page.locator("#conversations .conversation-title").allTextContents();
  await page.reload();
  await page.locator(".message.assistant").first().waitFor();
  result.messagesAfterReload = await page.locator(".message").count();
  result.xssFlagAfterReload = await page.evaluate(() => window.__chatXss ?? null);

  // 9. Keyboard only: the servers dialog opens from its button, takes focus, and Escape gives it back; a conversation is
  // renamed with its rename button, typing and Enter.
  await page.focus("#open-servers");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#servers-dialog[open]");
  await page.waitForFunction(() => document.activeElement?.id === "server-url");
  result.dialogFocus = await page.evaluate(() => document.activeElement?.id);
  await page.keyboard.press("Escape");
  result.dialogClosed = await page.evaluate(() => !document.getElementById("servers-dialog").open);
  result.focusAfterDialog = await page.evaluate(() => document.activeElement?.id);
  await page.focus("#conversations li.current button[aria-label^='Rename']");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#conversations input");
  await page.keyboard.press("Control+A");
  await page.keyboard.type(settings.renameTo);
  await page.keyboard.press("Enter");
  await page.locator("#conversations .conversation-title", { hasText: settings.renameTo }).waitFor();
  result.renamedTitles = await page.locator("#conversations .conversation-title").allTextContents();
  result.chatTitle = await page.locator("#chat-title").innerText();
  await shot("renamed-with-keyboard");

  // 10. A new chat in a lower window: a long answer after a tool call keeps the newest lines in view, and the page
  // itself never scrolls; scrolled up while the next answer streams, the list stays where the person put it.
  await page.setViewportSize({ width: 1280, height: 600 });
  await page.click("#new-chat");
  const distanceFromEnd = () => page.$eval("#messages", (m) => m.scrollHeight - m.scrollTop - m.clientHeight);
  await page.fill("#prompt", prompts.long);
  await page.press("#prompt", "Enter");
  await lastAnswer().locator("details summary.tool-call").first().waitFor();
  await waitForIdle();
  result.longAnswerDistanceFromEnd = await distanceFromEnd();
  result.longAnswerLastLineVisible = await page.evaluate(() => {
    const answer = [...document.querySelectorAll(".message.assistant .content > :last-child")].pop().getBoundingClientRect();
    const composer = document.getElementById("composer").getBoundingClientRect();
    return answer.bottom <= composer.top + 1 && answer.bottom <= window.innerHeight;
  });
  result.pageOverflowY = await page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight);
  await shot("long-answer-followed");
  await page.fill("#prompt", prompts.longSlow);
  await page.press("#prompt", "Enter");
  await page.waitForFunction((text) => document.querySelector(".message.streaming .content")?.textContent.includes(text), prompts.longSlowMarker);
  const box = await page.locator("#messages").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction(() => { const m = document.getElementById("messages"); return m.scrollHeight - m.scrollTop - m.clientHeight > 300; });
  const scrolledUpTo = await page.$eval("#messages", (m) => m.scrollTop);
  result.stillStreamingWhenScrolledUp = await page.locator(".message.streaming").count();
  await waitForIdle();
  result.scrolledUpMoved = Math.abs(await page.$eval("#messages", (m) => m.scrollTop) - scrolledUpTo);
  result.scrolledUpDistanceFromEnd = await distanceFromEnd();
  await shot("scrolled-up-stays");

  // 11. Phone width and the dark theme hold the layout; the Connections link stays in view.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: "dark" });
  result.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  result.phoneOverflowY = await page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight);
  result.darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  result.connectionsLinkInView = await page.locator("#connections-link").evaluate((a) => {
    const r = a.getBoundingClientRect();
    return a.checkVisibility() && r.width > 0 && r.left >= 0 && r.right <= window.innerWidth && r.bottom <= window.innerHeight;
  });
  await shot("phone-dark");
  await page.click("#toggle-sidebar");
  await shot("phone-conversations");
  await page.click("#toggle-sidebar");

  // 12. The connections page, reached by its link: the chat's look at phone width in the dark, and in the light on a
  // desktop; each server named with its port; a way back to the chat.
  await Promise.all([page.waitForURL((u) => u.pathname === "/connections"), page.click("#connections-link")]);
  result.connectionsPhoneLooks = await looks(page);
  result.connectionNames = await page.locator(".connection h2").allTextContents();
  await shot("connections-phone-dark");
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.emulateMedia({ colorScheme: "light" });
  result.connectionsLooks = await looks(page);
  await shot("connections-light");
  await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.click("#back-to-chat")]);
  result.backAtChat = new URL(page.url()).pathname;
  result.consoleErrors = consoleErrors;
  result.ok = true;
} catch (e) {
  result.ok = false;
  result.error = String(e?.stack ?? e);
  result.popupClosed = popup?.isClosed();
  if (page) {
    try { await page.screenshot({ path: join(screenshots, "failure.png") }); } catch { /* the page may be gone */ }
  }
  if (popup && !popup.isClosed()) {
    try {
      result.popupUrl = popup.url();
      result.popupText = (await popup.locator("body").innerText()).slice(0, 2000);
      await popup.screenshot({ path: join(screenshots, "failure-popup.png") });
    } catch { /* the popup may be gone */ }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
