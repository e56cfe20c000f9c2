// ANSI styling for the text renderer. Styles are applied only when the caller asks for color
// (the CLI decides from --color, NO_COLOR and whether stderr is a terminal).

export type Style = "bold" | "red" | "yellow" | "blue" | "cyan" | "green";

const CODES: Record<Style, string> = {
  bold: "1",
  red: "31",
  yellow: "33",
  blue: "34",
  cyan: "36",
  green: "32",
};

export type Paint = (text: string, ...styles: Style[]) => string;

export function painter(color: boolean): Paint {
  if (!color) return (text) => text;
  return (text, ...styles) =>
    text === "" || styles.length === 0 ? text : `\x1b[${styles.map((s) => CODES[s]).join(";")}m${text}\x1b[0m`;
}

/** Should output to this stream be colored? `--color always|never` wins; then NO_COLOR / FORCE_COLOR; then isTTY. */
export function wantColor(
  mode: "auto" | "always" | "never",
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean,
): boolean {
  if (mode === "always") return true;
  if (mode === "never") return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  if (env.TERM === "dumb") return false;
  return isTTY;
}
