import { expect, test } from "vitest";
import { painter, wantColor } from "../../src/diagnostics/color.js";

test("wantColor: --color always/never win; then NO_COLOR, FORCE_COLOR, TERM=dumb; then the terminal", () => {
  expect(wantColor("always", { NO_COLOR: "1" }, false)).toBe(true);
  expect(wantColor("never", { FORCE_COLOR: "1" }, true)).toBe(false);
  expect(wantColor("auto", {}, true)).toBe(true);
  expect(wantColor("auto", {}, false)).toBe(false);
  expect(wantColor("auto", { NO_COLOR: "1" }, true)).toBe(false);
  expect(wantColor("auto", { NO_COLOR: "" }, true)).toBe(true); // no-color.org: only a non-empty value counts
  expect(wantColor("auto", { FORCE_COLOR: "1" }, false)).toBe(true);
  expect(wantColor("auto", { FORCE_COLOR: "0" }, false)).toBe(false);
  expect(wantColor("auto", { TERM: "dumb" }, true)).toBe(false);
});

test("painter: plain text when off; SGR codes joined and reset when on", () => {
  expect(painter(false)("x", "bold", "red")).toBe("x");
  expect(painter(true)("x", "bold", "red")).toBe("\x1b[1;31mx\x1b[0m");
  expect(painter(true)("", "bold")).toBe("");
  expect(painter(true)("x")).toBe("x");
});
