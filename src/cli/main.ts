// argv -> command. Placeholder until the front end lands (issue 2).
export async function main(argv: readonly string[]): Promise<number> {
  process.stderr.write(`flowc: not yet implemented: ${argv.join(" ")}\n`);
  return 2;
}
