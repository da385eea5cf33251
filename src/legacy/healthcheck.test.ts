import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { durationSeconds } from "./healthcheck.ts";
import { defaultClasses, importLegacy } from "./import.ts";

const compose = (text: string) =>
  importLegacy([{ path: "mainpc-docker-compose.yml", text }], { namespace: "agents", classes: defaultClasses });
const specOf = (result: ReturnType<typeof compose>, name: string) =>
  (
    parseAllDocuments(result.files.get(`${name}.yaml`) ?? "")[0]?.toJS() as
      | { spec: { healthCheck?: Record<string, unknown>; ports?: { name: string; port: number }[] } }
      | undefined
  )?.spec;
const healthCheckOf = (result: ReturnType<typeof compose>, name: string) => specOf(result, name)?.healthCheck;
const notes = (result: ReturnType<typeof compose>) =>
  result.report.findings.filter((f) => f.kind === "healthcheck-dropped").map((f) => f.message);

describe("a compose healthcheck as the agent's probe", () => {
  it("reads its variables as compose does: the offset port of a URL is the port probed", () => {
    const result = compose(`services:
  tts:
    image: cascade/tts:1
    ports: ["\${PORT_OFFSET:-0}9001:9001"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:\${PORT_OFFSET:-0}9001/health"]
`);
    // Before, the URL was read without its variable: port 80, path /, where nothing listens.
    expect(healthCheckOf(result, "tts")).toEqual({ port: "tcp-9001", path: "/health" });
  });

  it("probes by TCP the local port a python or ZeroMQ socket, or bash's /dev/tcp, connects to", () => {
    const result = compose(`services:
  twin:
    image: cascade/twin:1
    expose: ["7120", "8120"]
    healthcheck:
      test: ["CMD", "python", "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.connect(('localhost', 8120)); s.close()"]
  hub:
    image: cascade/hub:1
    expose: ["7140"]
    healthcheck:
      test: ["CMD-SHELL", "python3 -c \\"import socket,sys; sys.exit(socket.socket().connect_ex(('127.0.0.1', 7140)))\\""]
  cache:
    image: cascade/cache:1
    expose: ["6000"]
    healthcheck:
      test: ["CMD-SHELL", "bash -c '</dev/tcp/localhost/6000'"]
  router:
    image: cascade/router:1
    expose: ["7220", "8220"]
    healthcheck:
      test: ["CMD", "python", "-c", "import zmq; ctx=zmq.Context(); s=ctx.socket(zmq.REQ); s.connect('tcp://\${LOCALHOST:-localhost}:7220'); s.send_string('health_check')"]
  learner:
    image: cascade/learner:1
    expose: ["5580", "6580"]
    environment: {HEALTH_PORT: "6580"}
    healthcheck:
      test:
        - CMD
        - python
        - -c
        - import socket,sys,os; p=int(os.getenv('HEALTH_PORT',8000)); s=socket.socket();
          s.settimeout(2); sys.exit(1 if s.connect_ex(('localhost',p)) else 0)
  planner:
    image: cascade/planner:1
    healthcheck:
      test: ["CMD", "python", "-c", "import socket,os; port = int(os.environ.get('PLANNER_HEALTH', '9100')); socket.create_connection(('x', 1)); socket.socket().connect(('localhost', port))"]
`);
    expect(healthCheckOf(result, "twin")).toEqual({ port: "tcp-8120", tcp: true });
    expect(healthCheckOf(result, "hub")).toEqual({ port: "tcp-7140", tcp: true });
    expect(healthCheckOf(result, "cache")).toEqual({ port: "tcp-6000", tcp: true });
    expect(healthCheckOf(result, "router")).toEqual({ port: "tcp-7220", tcp: true });
    // The port the check reads from the environment: the service's own value, else the code's default.
    expect(healthCheckOf(result, "learner")).toEqual({ port: "tcp-6580", tcp: true });
    expect(healthCheckOf(result, "planner")).toEqual({ port: "health", tcp: true });
    expect(specOf(result, "planner")?.ports).toContainEqual({ name: "health", port: 9100, protocol: "TCP" });
    expect(notes(result)).toEqual([]);
  });

  it("says a check that cannot fail checked nothing, apart from one it cannot run", () => {
    const result = compose(`services:
  printer:
    image: cascade/printer:1
    expose: ["7000"]
    healthcheck: {test: ["CMD", "python", "-c", "print('OK')"]}
  echoer:
    image: cascade/echoer:1
    healthcheck: {test: ["CMD", "echo", "Scripts container healthy"]}
  scripted:
    image: cascade/scripted:1
    healthcheck: {test: ["CMD", "python", "-m", "agents.health_check", "memory"]}
`);
    expect(healthCheckOf(result, "printer")).toBeUndefined();
    expect(notes(result)).toEqual([
      expect.stringMatching(/^printer's healthcheck \(python -c print\('OK'\)\) always passes: it checked nothing;/),
      expect.stringMatching(
        /^echoer's healthcheck \(echo Scripts container healthy\) always passes: it checked nothing;/,
      ),
      expect.stringMatching(/^scripted's healthcheck \(python -m agents\.health_check memory\) is neither an HTTP GET/),
    ]);
  });

  it("keeps compose's interval and retries, and a start period longer than the probe's own", () => {
    const result = compose(`services:
  llm:
    image: cascade/llm:1
    expose: ["8000"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
      interval: 1m30s
      retries: \${HEALTH_RETRIES:-5}
      start_period: 20m
  asr:
    image: cascade/asr:1
    expose: ["8001"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8001/health"]
      interval: 10m
      start_period: 40s
`);
    expect(healthCheckOf(result, "llm")).toEqual({
      port: "tcp-8000",
      path: "/health",
      periodSeconds: 90,
      failureThreshold: 5,
      startupSeconds: 1200,
    });
    // 10 minutes is more than a probe may wait (300 s); 40 s of start is less than the 600 s an agent is given.
    expect(healthCheckOf(result, "asr")).toEqual({ port: "tcp-8001", path: "/health", periodSeconds: 300 });
  });
});

describe("durationSeconds", () => {
  it("reads Go durations, rounded up to whole seconds, and nothing else", () => {
    expect(durationSeconds("30s")).toBe(30);
    expect(durationSeconds("1m30s")).toBe(90);
    expect(durationSeconds("1h")).toBe(3600);
    expect(durationSeconds("1500ms")).toBe(2);
    expect(durationSeconds("30")).toBeUndefined();
    expect(durationSeconds("soon")).toBeUndefined();
    expect(durationSeconds("30s later")).toBeUndefined();
  });
});
