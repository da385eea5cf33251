import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fillFromDotEnv } from "./dotenv.ts";
import { parseEnvFile } from "./env-files.ts";
import { defaultClasses, importLegacy } from "./import.ts";
import { parseYaml, type YNode } from "./yaml-source.ts";

const vars = (text: string) => parseEnvFile(text, ".env");

/** A tree's values as plain data, to compare. */
function plain(node: YNode | undefined): unknown {
  if (!node) return undefined;
  if (node.kind === "map") return Object.fromEntries(node.entries.map((e) => [e.key, plain(e.value)]));
  if (node.kind === "seq") return node.items.map(plain);
  return node.value;
}
const tree = (text: string) => parseYaml("docker-compose.yml", text).root as YNode;

describe("fillFromDotEnv", () => {
  it("fills ${VAR}, ${VAR:-default} and $VAR from the .env, as compose does, and leaves $$ and unset ones", () => {
    const fill = fillFromDotEnv(
      tree(
        'image: "cascade/api:${TAG}"\nports: ["${PORT:-8000}:8000"]\ncommand: echo $$HOME $USER ${UNSET:-x} $NAME\n',
      ),
      vars("TAG=1.4\nPORT=18000\nNAME=api\n"),
    );
    expect(plain(fill.root)).toEqual({
      image: "cascade/api:1.4",
      ports: ["18000:8000"],
      command: "echo $$HOME $USER ${UNSET:-x} api",
    });
    expect(fill.filled).toEqual(["TAG", "PORT", "NAME"]);
  });

  it("fills a value of any shape into the value alone, and never a password, token or key", () => {
    const text =
      "command: [redis-server, --requirepass, '${REDIS_PASSWORD}']\nx: ${GREETING}\nopts: -server ${JAVA_OPTS}\n";
    const fill = fillFromDotEnv(
      tree(text),
      vars(
        'REDIS_PASSWORD=hunter2\nGREETING="hi: there # no"\nJAVA_OPTS=-Xmx1g -Xms512m\nCOMPOSE_PROFILES=debug, ops\n',
      ),
    );
    expect(plain(fill.root)).toEqual({
      command: ["redis-server", "--requirepass", "${REDIS_PASSWORD}"],
      x: "hi: there # no",
      opts: "-server -Xmx1g -Xms512m",
    });
    expect(fill).toMatchObject({
      secrets: ["REDIS_PASSWORD"],
      filled: ["GREETING", "JAVA_OPTS"],
      profiles: ["debug", "ops"],
    });
    // Each value keeps the line it was read from.
    const x = (fill.root.kind === "map" ? fill.root.entries : []).find((e) => e.key === "x");
    expect(x?.value.loc.line).toBe(2);
  });
});

describe("a compose file's .env, in the import", () => {
  const compose = `services:
  redis:
    image: redis:\${REDIS_TAG:-7}
    command: ["redis-server", "--requirepass", "\${REDIS_PASSWORD}"]
  api:
    image: cascade/api:\${API_TAG}
    expose: ["\${API_PORT:-8000}"]
  pgadmin: {image: "dpage/pgadmin4:8", profiles: [debug]}
`;
  const dotenv =
    "REDIS_TAG=7.2-alpine\nAPI_TAG=1.4\nAPI_PORT=9000\nREDIS_PASSWORD=hunter2secret\nCOMPOSE_PROFILES=debug\n";
  const run = (read: (composeFile: string, path: string) => string | undefined) =>
    importLegacy([{ path: "stack/docker-compose.yml", text: compose, machine: "mainpc" }], {
      namespace: "agents",
      classes: defaultClasses,
      readBesideFile: read,
    });
  const spec = (result: ReturnType<typeof run>, name: string) =>
    (parse(result.files.get(`${name}.yaml`) ?? "null") as { spec: Record<string, unknown> } | null)?.spec;

  it("reads the .env beside the compose file: its values, its profiles; its secrets never", () => {
    const asked: string[] = [];
    const result = run((composeFile, path) => {
      asked.push(`${composeFile} ${path}`);
      return path === ".env" ? dotenv : undefined;
    });
    expect(asked).toContain("stack/docker-compose.yml .env");
    expect(spec(result, "redis")).toMatchObject({
      image: "redis:7.2-alpine",
      args: ["redis-server", "--requirepass", "$(REDIS_PASSWORD)"],
    });
    expect(spec(result, "api")).toMatchObject({ image: "cascade/api:1.4", ports: [{ port: 9000 }] });
    expect(result.report.agents.map((a) => a.name)).toContain("pgadmin");
    expect([...result.files.values(), JSON.stringify(result.report)].join("\n")).not.toContain("hunter2secret");
    expect(result.report.findings.find((f) => f.kind === "env-file")?.message).toBe(
      "stack/.env fills 3 variables of stack/docker-compose.yml, as compose does (REDIS_TAG, API_TAG, API_PORT), and enables its profiles debug (COMPOSE_PROFILES); REDIS_PASSWORD is a password, token or key: never written, it stays a variable for a Secret to give",
    );
  });

  it("fills a value of more than a word where compose put it: an environment value, and a command's words", () => {
    const result = importLegacy(
      [
        {
          path: "app/docker-compose.yml",
          machine: "mainpc",
          text: "services:\n  app:\n    image: cascade/app:1\n    command: java ${JAVA_OPTS} -jar app.jar\n    environment: {GREETING: '${GREETING}'}\n",
        },
      ],
      {
        namespace: "agents",
        classes: defaultClasses,
        readBesideFile: (_file, path) =>
          path === ".env" ? 'JAVA_OPTS=-Xmx1g -Xms512m\nGREETING="hi: there"\n' : undefined,
      },
    );
    expect(spec(result as ReturnType<typeof run>, "app")).toMatchObject({
      args: ["java", "-Xmx1g", "-Xms512m", "-jar", "app.jar"],
      env: [{ name: "GREETING", value: "hi: there" }],
    });
  });

  it("without a .env, reads the file as before: defaults, and the profile's services set aside", () => {
    const result = run(() => undefined);
    expect(spec(result, "redis")?.image).toBe("redis:7");
    expect(result.report.agents.map((a) => a.name)).not.toContain("pgadmin");
    expect(result.report.findings.filter((f) => f.kind === "env-file")).toEqual([]);
  });
});
