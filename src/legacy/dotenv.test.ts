import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fillFromDotEnv } from "./dotenv.ts";
import { parseEnvFile } from "./env-files.ts";
import { defaultClasses, importLegacy } from "./import.ts";

const vars = (text: string) => parseEnvFile(text, ".env");

describe("fillFromDotEnv", () => {
  it("fills ${VAR}, ${VAR:-default} and $VAR from the .env, as compose does, and leaves $$ and unset ones", () => {
    const fill = fillFromDotEnv(
      'image: "cascade/api:${TAG}"\nports: ["${PORT:-8000}:8000"]\ncommand: echo $$HOME $USER ${UNSET:-x} $NAME\n',
      vars("TAG=1.4\nPORT=18000\nNAME=api\n"),
    );
    expect(fill.text).toBe(
      'image: "cascade/api:1.4"\nports: ["18000:8000"]\ncommand: echo $$HOME $USER ${UNSET:-x} api\n',
    );
    expect(fill.filled).toEqual(["TAG", "PORT", "NAME"]);
  });

  it("never fills a password, token or key, nor a value that could change the YAML around it", () => {
    const text = "command: [redis-server, --requirepass, '${REDIS_PASSWORD}']\nx: ${GREETING}\n";
    const fill = fillFromDotEnv(
      text,
      vars('REDIS_PASSWORD=hunter2\nGREETING="hi: there # no"\nCOMPOSE_PROFILES=debug, ops\n'),
    );
    expect(fill.text).toBe(text);
    expect(fill).toMatchObject({ secrets: ["REDIS_PASSWORD"], unsafe: ["GREETING"], profiles: ["debug", "ops"] });
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
      readEnvFile: read,
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

  it("without a .env, reads the file as before: defaults, and the profile's services set aside", () => {
    const result = run(() => undefined);
    expect(spec(result, "redis")?.image).toBe("redis:7");
    expect(result.report.agents.map((a) => a.name)).not.toContain("pgadmin");
    expect(result.report.findings.filter((f) => f.kind === "env-file")).toEqual([]);
  });
});
