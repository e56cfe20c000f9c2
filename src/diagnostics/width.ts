// Terminal display width of source text, so underlines line up under tabs, CJK and emoji.
// Tabs expand to a fixed width (as rustc does) rather than to tab stops: the gutter shifts tab stops anyway.

export const TAB_WIDTH = 4;

/**
 * How a control character is shown in a snippet: as its Unicode control picture (NUL as ␀, DEL as ␡),
 * so that a byte which changes a value is seen, not silently dropped; a CR (of CRLF) and the C1
 * controls are left out. Undefined for every other code point.
 */
function controlPicture(cp: number): string | undefined {
  if (cp < 32 && cp !== 9 && cp !== 13) return String.fromCodePoint(0x2400 + cp);
  if (cp === 0x7f) return "\u2421";
  return undefined;
}

/** Cells one code point takes in a terminal: 0 for combining marks and controls left out, 2 for wide, else 1. */
export function codePointWidth(cp: number): number {
  if (cp === 9) return TAB_WIDTH;
  if (controlPicture(cp) !== undefined) return 1;
  if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (isZeroWidth(cp)) return 0;
  return isWide(cp) ? 2 : 1;
}

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) || // combining diacritics
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    cp === 0x200b || cp === 0x200c || cp === 0x200d || cp === 0x2060 || cp === 0xfeff
  );
}

// East Asian Wide/Fullwidth ranges and emoji presentation blocks (the common cases, not all of UAX #11).
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f200 && cp <= 0x1f2ff) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f680 && cp <= 0x1f6ff) ||
    (cp >= 0x1f7e0 && cp <= 0x1f7eb) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Display width of a string. */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += codePointWidth(ch.codePointAt(0) ?? 0);
  return w;
}

/** The string as it is printed in a snippet: tabs expanded, controls as their pictures (or left out). */
export function displayText(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const picture = controlPicture(cp);
    if (cp === 9) out += " ".repeat(TAB_WIDTH);
    else if (picture !== undefined) out += picture;
    else if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) continue;
    else out += ch;
  }
  return out;
}
