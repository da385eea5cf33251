// Agents that exist only in comments: definitions commented out, usually under a line that says why
// ("# DECOMMISSIONED: Replaced by ModelOpsCoordinator"). A YAML parser drops them; a migration must
// not, because compose files and dependencies still name them.
import type { Decommissioned } from "./model.ts";

/** Keys that make a commented-out mapping an agent definition rather than a group or a setting. */
const agentKeys = new Set(["script_path", "port", "health_check_port", "image", "command", "build", "container_name"]);

interface CommentLine {
  index: number; // 0-based line index in the file
  text: string; // after the '#'
  indent: number;
}

const mapHeader = /^(\s*)([^\s#:{}[\],-][^:#{}[\]]*?)\s*:\s*$/;
const listHeader = /^(\s*)-\s*name\s*:\s*["']?([^"'#]+?)["']?\s*$/;
const flowItem = /^(\s*)-\s*\{\s*name\s*:\s*["']?([^,"'}]+?)["']?\s*,(.*)\}\s*$/;

function blocks(lines: readonly string[]): CommentLine[][] {
  const out: CommentLine[][] = [];
  let current: CommentLine[] = [];
  lines.forEach((line, index) => {
    const m = /^\s*#(.*)$/.exec(line);
    if (m) {
      const text = (m[1] ?? "").replace(/^ /, "");
      current.push({ index, text, indent: text.length - text.trimStart().length });
    } else if (current.length) {
      out.push(current);
      current = [];
    }
  });
  if (current.length) out.push(current);
  return out;
}

/** The lines after a header that belong to it (deeper indented), and whether it defines an agent. */
function bodyOf(block: CommentLine[], at: number, headerIndent: number): { end: number; agent: boolean } {
  let end = at;
  const body: CommentLine[] = [];
  for (let j = at + 1; j < block.length; j++) {
    const line = block[j] as CommentLine;
    if (line.text.trim() === "") continue;
    if (line.indent <= headerIndent) break;
    body.push(line);
    end = j;
  }
  const shallowest = Math.min(...body.map((l) => l.indent));
  const direct = body.filter((l) => l.indent === shallowest).map((l) => /^\s*([\w.-]+)\s*:/.exec(l.text)?.[1] ?? "");
  return { end, agent: direct.some((k) => agentKeys.has(k)) };
}

export function decommissionedInComments(file: string, machine: string, lines: readonly string[]): Decommissioned[] {
  const found: Decommissioned[] = [];
  for (const block of blocks(lines)) {
    let reason: string | undefined;
    let skipUntil = -1;
    block.forEach((line, i) => {
      if (i <= skipUntil || line.text.trim() === "") return;
      const record = (name: string) =>
        found.push({
          legacyName: name.trim(),
          machine,
          reason: reason ?? "commented out",
          source: { file, line: line.index + 1, column: 1 },
        });
      const flow = flowItem.exec(line.text);
      if (flow) {
        if ([...agentKeys].some((k) => new RegExp(`\\b${k}\\s*:`).test(flow[3] ?? ""))) record(flow[2] ?? "");
        return;
      }
      const list = listHeader.exec(line.text);
      const map = list ? undefined : mapHeader.exec(line.text);
      const header = list ?? map;
      if (header) {
        // A list item's own keys sit two columns right of its dash.
        const headerIndent = (header[1] ?? "").length;
        const { end, agent } = bodyOf(block, i, list ? headerIndent + 1 : headerIndent);
        if (agent || (list && end > i)) {
          record(header[2] ?? "");
          skipUntil = end;
        }
        return;
      }
      reason = line.text.trim().replace(/^#+\s*/, "");
    });
  }
  return found;
}
