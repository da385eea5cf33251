import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { scratchDirectory } from "../testing/scratch.ts";
import { runImport } from "./import.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const samples = path.join(here, "../legacy/testdata/samples");
const cli = path.join(here, "main.ts");
let dir: string;

beforeEach(async () => {
  dir = await scratchDirectory("import");
});

const quiet = () => {};
const write = async (name: string, text: string) => {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
};

// Each test starts the CLI as a process (two, in the last): seconds on a loaded 2-core machine, not the default 5.
describe("agentfleet import", { timeout: 30_000 }, () => {
  it("writes the manifests and a kustomization, and exits 1 when it finds blockers", async () => {
    const out = path.join(dir, "out");
    const files = (await readdir(samples)).map((f) => path.join(samples, f));
    let report = "";
    const code = await runImport([...files, "--out", out], (s) => {
      report += s;
    });
    expect(code).toBe(1);
    expect(report).toMatch(
      /^Imported \d+ AgentDeployments \(\d+ of them shared infrastructure\)\n {2}mainpc +rtx-4090/,
    );
    expect(report).toMatch(/\nAddresses: [1-9]\d* rewritten to Service names/);
    expect(report).toMatch(
      /\nInfrastructure the fleet needs:\n(?: {2}.*\n)* {2}redis +Redis +imported from \S+; [1-9]\d* agents point at it/,
    );
    expect(report).toMatch(/\nREWRITTEN ADDRESSES \(\d+\)\n {2}\S+:\d+ {2}\S+ config\.\S+: \S+ → \S+/);
    expect(report).toMatch(/BLOCKERS \(\d+\)\n {2}host-mount/);
    const written = await readdir(out);
    expect(written).toContain("kustomization.yaml");
    expect(written).toContain("stt-service.yaml");
    const kustomization = await readFile(path.join(out, "kustomization.yaml"), "utf8");
    expect(kustomization).toContain("- stt-service.yaml");
  });

  it("prints the machine-readable report with --json", async () => {
    const file = await write("mainpc.yaml", "g:\n  A: {port: 1, dependencies: [B]}\n  B: {port: 2}\n");
    let out = "";
    const code = await runImport([file, "--json", "--out", path.join(dir, "o")], (s) => {
      out += s;
    });
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.agents[0]).toEqual({
      name: "a",
      legacyName: "A",
      machine: "mainpc",
      gpuClass: null,
      vramMiB: null,
      ports: [1],
      dependencies: ["b"],
      source: `${file}:2`,
    });
    expect(Array.isArray(report.findings)).toBe(true);
  });

  it("writes nothing with --strict when there are blockers", async () => {
    const file = await write("pc2.yaml", "pc2_services:\n  - {name: A, port: 1, dependencies: [Ghost]}\n");
    const out = path.join(dir, "strict");
    expect(await runImport([file, "--strict", "--out", out], quiet)).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it("maps machines with MACHINE=FILE and --class", async () => {
    const file = await write("anything.yaml", "list:\n  - {name: A, port: 1, cuda_device: 'cuda:0'}\n");
    let out = "";
    await runImport([`pc3=${file}`, "--class", "pc3=rtx-3090", "--json", "--out", path.join(dir, "o")], (s) => {
      out += s;
    });
    expect(JSON.parse(out).agents[0]).toMatchObject({ machine: "pc3", gpuClass: "rtx-3090" });
  });

  it("imports a compose profile's services with --profile or COMPOSE_PROFILES, as docker compose runs them", async () => {
    const file = await write(
      "docker-compose.yml",
      "services:\n  api: {image: cascade/api:1}\n  pgadmin: {image: dpage/pgadmin4:8, profiles: [debug]}\n",
    );
    const names = async (flags: string[], env: NodeJS.ProcessEnv = {}) => {
      let out = "";
      const to = path.join(dir, `o${flags.length}${Object.keys(env).length}`);
      await runImport(
        [file, "--json", "--out", to, ...flags],
        (s) => {
          out += s;
        },
        env,
      );
      return (JSON.parse(out) as { agents: { name: string }[] }).agents.map((a) => a.name);
    };
    expect(await names([])).toEqual(["api"]);
    expect(await names(["--profile", "debug"])).toEqual(["api", "pgadmin"]);
    // The shell's COMPOSE_PROFILES, as docker compose up reads it there.
    expect(await names([], { COMPOSE_PROFILES: "ops, debug" })).toEqual(["api", "pgadmin"]);
  });

  it("replaces its own earlier output, and refuses a directory of someone else's files", async () => {
    const file = await write("mainpc.yaml", "g:\n  A: {port: 1}\n");
    const out = path.join(dir, "o");
    await runImport([file, "--out", out], quiet);
    await write("mainpc.yaml", "g:\n  B: {port: 1}\n");
    await runImport([file, "--out", out], quiet);
    expect((await readdir(out)).sort()).toEqual(["b.yaml", "kustomization.yaml", "namespace.yaml"]);
    const theirs = path.join(dir, "theirs");
    await runImport([file, "--out", path.join(theirs, "..", "theirs")], quiet);
    await writeFile(path.join(theirs, "kustomization.yaml"), "resources: [mine.yaml]\n");
    await expect(runImport([file, "--out", theirs], quiet)).rejects.toThrow(/holds files this command did not write/);
  });

  it("exits 2 with file:line:column on unusable input, and leaves nothing behind", async () => {
    const bad = await write("mainpc.yaml", "agent_groups:\n  core:\n    A: {port: 1\n");
    const out = path.join(dir, "never");
    const result = spawnSync(process.execPath, [cli, "import", bad, "--out", out], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^agentfleet import: ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: invalid YAML`),
    );
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.startsWith("never"))).toEqual([]);
  });

  it("reads a compose file's env_file from beside the compose file, wherever it is run from", async () => {
    const compose = await write(
      "mainpc-docker-compose.yml",
      "services:\n  api:\n    image: a:1\n    env_file: settings.env\n",
    );
    await write("settings.env", "MODEL=llama\n");
    const out = path.join(dir, "out");
    await runImport([path.relative(process.cwd(), compose), "--out", out], quiet);
    expect(await readFile(path.join(out, "api.yaml"), "utf8")).toMatch(/env:\n\s+- name: MODEL\n\s+value: llama/);
  });

  it("reads an extends: file beside the compose file, and its env_file beside that file", async () => {
    await mkdir(path.join(dir, "common"), { recursive: true });
    await write("common/base.yml", "services:\n  py:\n    image: cascade/python:3\n    env_file: py.env\n");
    await write("common/py.env", "TZ=UTC\n");
    await mkdir(path.join(dir, "stacks"), { recursive: true });
    const compose = await write(
      "stacks/pc2-docker-compose.yml",
      "services:\n  hub:\n    extends: {file: ../common/base.yml, service: py}\n    command: python hub.py\n",
    );
    const out = path.join(dir, "out");
    await runImport([path.relative(process.cwd(), compose), "--out", out], quiet);
    expect((await readdir(out)).sort()).toEqual(["hub.yaml", "kustomization.yaml", "namespace.yaml"]);
    const hub = await readFile(path.join(out, "hub.yaml"), "utf8");
    expect(hub).toMatch(/image: cascade\/python:3/);
    expect(hub).toMatch(/env:\n\s+- name: TZ\n\s+value: UTC/);
  });

  it("fills a compose file's ${VAR}s from the .env beside it, as compose does", async () => {
    const compose = await write(
      "mainpc-docker-compose.yml",
      "services:\n  api:\n    image: cascade/api:${API_TAG:-1}\n",
    );
    await write(".env", "API_TAG=2.3\n");
    const out = path.join(dir, "out");
    await runImport([path.relative(process.cwd(), compose), "--out", out], quiet);
    expect(await readFile(path.join(out, "api.yaml"), "utf8")).toMatch(/image: cascade\/api:2\.3/);
  });

  it("fills ${VAR}s from --dotenv files instead of the .env, a later file's value winning, as compose's --env-file", async () => {
    const compose = await write(
      "mainpc-docker-compose.yml",
      "services:\n  api:\n    image: cascade/api:${API_TAG:-1}\n    environment: {LOG_LEVEL: '${LOG_LEVEL:-info}'}\n",
    );
    await write(".env", "API_TAG=2.3\nLOG_LEVEL=warning\n");
    await mkdir(path.join(dir, "config"), { recursive: true });
    const base = await write("config/base.env", "API_TAG=3.0\nLOG_LEVEL=debug\n");
    const prod = await write("config/prod.env", "API_TAG=3.1\n");
    const out = path.join(dir, "out");
    await runImport([compose, "--dotenv", base, "--dotenv", prod, "--out", out], quiet);
    const api = await readFile(path.join(out, "api.yaml"), "utf8");
    expect(api).toMatch(/image: cascade\/api:3\.1/);
    expect(api).toMatch(/name: LOG_LEVEL\n\s+value: debug/);
    // A file that is not there stops the import, named, with nothing written.
    const never = path.join(dir, "never");
    const missing = spawnSync(
      process.execPath,
      [cli, "import", compose, "--dotenv", path.join(dir, "config/nope.env"), "--out", never],
      { encoding: "utf8" },
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/config\/nope\.env/);
    expect(existsSync(never)).toBe(false);
  });

  it("exits 2 naming the env file and line when compose could not read it either, and writes nothing", async () => {
    const compose = await write(
      "mainpc-docker-compose.yml",
      "services:\n  api:\n    image: a:1\n    env_file: settings.env\n",
    );
    await write("settings.env", "MODEL=llama\nPROMPT='You are\n");
    const out = path.join(dir, "never");
    const result = spawnSync(process.execPath, [cli, "import", compose, "--out", out], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/settings\.env:2:1: the value of PROMPT opens a ' quote that is never closed/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("answers --help with the command's usage, and exits 0", () => {
    const help = spawnSync(process.execPath, [cli, "import", "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^agentfleet import \[MACHINE=\]FILE\.\.\. \[flags\]/);
    expect(help.stderr).toBe("");
  });

  it("exits 2 when a file does not exist, and shows usage for a bad flag", () => {
    const missing = spawnSync(process.execPath, [cli, "import", path.join(dir, "nope.yaml")], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("nope.yaml: no such file");
    const flag = spawnSync(process.execPath, [cli, "import", "x.yaml", "--class", "bad"], { encoding: "utf8" });
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/--class takes MACHINE=GPUCLASS/);
    const image = spawnSync(process.execPath, [cli, "import", "x.yaml", "--image", "no-tag"], { encoding: "utf8" });
    expect(image.status).toBe(2);
    expect(image.stderr).toMatch(/--image takes REPO:TAG/);
  });

  it("says what a directory or a binary is instead of a file system error, and reads UTF-16 as PowerShell writes it", async () => {
    await write("docker-compose.yml", "services:\n  web: {image: 'web:1'}\n");
    await write("agents.json", '[{"name": "A", "script_path": "a.py"}]\n');
    await write("Procfile", "web: python web.py\n");
    const folder = spawnSync(process.execPath, [cli, "import", dir], { encoding: "utf8" });
    expect(folder.status).toBe(2);
    expect(folder.stderr).toBe(
      `agentfleet import: ${dir} is a directory: name the files to read (it holds ${path.join(dir, "Procfile")} ${path.join(dir, "agents.json")} ${path.join(dir, "docker-compose.yml")})\n`,
    );
    const binary = await write("agent.bin", "\u007fELF\u0002\u0001\u0000\u0000");
    const notText = spawnSync(process.execPath, [cli, "import", binary], { encoding: "utf8" });
    expect(notText.status).toBe(2);
    expect(notText.stderr).toBe(
      `agentfleet import: ${binary} is not a text file (it holds NUL bytes): name a YAML or JSON file\n`,
    );

    const compose = "services:\r\n  stt:\r\n    image: cascade/stt:1.0\r\n    ports: ['5800:5800']\r\n";
    const utf16 = path.join(dir, "pc2-docker-compose.yml");
    await writeFile(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(compose, "utf16le")]));
    const out = path.join(dir, "out");
    expect(await runImport([`pc2=${utf16}`, "--out", out], quiet)).toBe(0);
    expect(await readFile(path.join(out, "stt.yaml"), "utf8")).toMatch(/image: cascade\/stt:1\.0/);
  });

  it("names a mistyped flag and shows the import's usage alone, not every command's", () => {
    const typo = spawnSync(process.execPath, [cli, "import", "x.yaml", "-o", "out"], { encoding: "utf8" });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/^agentfleet import: Unknown option '-o'\n/);
    expect(typo.stderr).toContain("--out DIR");
    expect(typo.stderr).not.toContain("positional argument");
    expect(typo.stderr).not.toContain("agentfleet audit [flags]");
  });
});
