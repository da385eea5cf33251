// The informer against a server on loopback that lists, then keeps a watch open and says nothing: the
// watchdog drops the silent watch and starts another, and what the next watch says reaches the cache.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../observability/logger.ts";
import { loopbackServer } from "../testing/loopback.ts";
import { Informer } from "./informer.ts";
import type { KubeObject } from "./objects.ts";
import { resource } from "./resources.ts";
import type { KubeClient } from "./rest.ts";

const things = resource("example.com", "v1", "Thing", "things", false);
const thing = (name: string) => ({
  apiVersion: "example.com/v1",
  kind: "Thing",
  metadata: { name, resourceVersion: "2" },
});

let close: () => Promise<void>;
let client: KubeClient;
let watches = 0;
/** While true, the server answers the flaky resource with 503, as an API server that lost etcd does. */
let flakyDown = true;
const flaky = resource("example.com", "v1", "Flaky", "flakies", false);
const open: (() => void)[] = [];
/** The versions the "versioned" resource was watched from, in order, and how many times it was listed. */
const watchedFrom: string[] = [];
let versionedLists = 0;
const versioned = resource("example.com", "v1", "Versioned", "versioneds", false);
const at = (name: string, resourceVersion: string) => ({ ...thing(name), metadata: { name, resourceVersion } });
const line = (event: unknown) => `${JSON.stringify(event)}\n`;

/** The streaming lists and watches asked of the "streamed" resource, in order. */
const streamedAsked: string[] = [];
const streamed = resource("example.com", "v1", "Streamed", "streameds", false);
const endOfObjects = (resourceVersion: string) => ({
  type: "BOOKMARK",
  object: { kind: "Streamed", metadata: { resourceVersion, annotations: { "k8s.io/initial-events-end": "true" } } },
});
/** How the "replayed" resource was asked: a server older than 1.27 ignores sendInitialEvents. */
const replayedAsked: string[] = [];
const replayed = resource("example.com", "v1", "Replayed", "replayeds", false);

beforeAll(async () => {
  ({ client, close } = await loopbackServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.endsWith("/flakies") && flakyDown) {
      res.writeHead(503, { "Content-Type": "text/plain" });
      res.end("etcdserver: request timed out");
      return;
    }
    const streamingList = url.searchParams.get("sendInitialEvents") === "true";
    if (url.pathname.endsWith("/streameds")) {
      streamedAsked.push(streamingList ? "stream" : `watch from ${url.searchParams.get("resourceVersion")}`);
      res.writeHead(200, { "Content-Type": "application/json" });
      if (streamedAsked.length === 1) {
        // Every object, the bookmark that ends them, one change, then the server ends the watch.
        res.end(
          line({ type: "ADDED", object: at("a", "5") }) +
            line({ type: "ADDED", object: at("b", "6") }) +
            line(endOfObjects("10")) +
            line({ type: "MODIFIED", object: at("a", "11") }),
        );
      } else if (streamedAsked.length === 2) {
        res.end(line({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old" } }));
      } else {
        // A new stream: "b" was deleted while no watch could say so, "c" was created.
        res.write(line({ type: "ADDED", object: at("a", "11") }) + line({ type: "ADDED", object: at("c", "15") }));
        res.write(line(endOfObjects("20")));
        open.push(() => res.end());
      }
      return;
    }
    if (url.pathname.endsWith("/replayeds")) {
      replayedAsked.push(streamingList ? "stream" : url.searchParams.get("watch") === "true" ? "watch" : "list");
      res.writeHead(200, { "Content-Type": "application/json" });
      if (url.searchParams.get("watch") !== "true") {
        res.end(JSON.stringify({ items: [at("a", "5"), at("b", "6")], metadata: { resourceVersion: "10" } }));
      } else if (streamingList) {
        // The watch replays what exists, then says nothing more: no bookmark ever says it is whole.
        res.write(line({ type: "ADDED", object: at("a", "5") }));
        open.push(() => res.end());
      } else if (replayedAsked.filter((a) => a === "watch").length === 1) {
        res.end(line({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old" } }));
      } else {
        res.flushHeaders();
        open.push(() => res.end());
      }
      return;
    }
    if (streamingList) {
      // A server with the WatchList feature off refuses the streaming list as an invalid option.
      res.writeHead(422, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({
          kind: "Status",
          code: 422,
          reason: "Invalid",
          message: "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        }),
      );
      return;
    }
    if (url.pathname.endsWith("/versioneds")) {
      res.writeHead(200, { "Content-Type": "application/json" });
      if (url.searchParams.get("watch") !== "true") {
        versionedLists++;
        // The second list no longer has "b": it was deleted while the watch could not say so.
        const items = versionedLists === 1 ? [at("a", "5"), at("b", "6")] : [at("a", "5"), at("c", "11")];
        res.end(JSON.stringify({ items, metadata: { resourceVersion: versionedLists === 1 ? "10" : "20" } }));
        return;
      }
      watchedFrom.push(url.searchParams.get("resourceVersion") ?? "");
      if (watchedFrom.length === 1) {
        // A new object, then a bookmark, then the server ends the watch (its timeout).
        res.end(
          line({ type: "ADDED", object: at("c", "11") }) +
            line({ type: "BOOKMARK", object: { kind: "Thing", metadata: { resourceVersion: "12" } } }),
        );
      } else if (watchedFrom.length === 2) {
        res.end(line({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old" } }));
      } else {
        res.flushHeaders();
        open.push(() => res.end());
      }
      return;
    }
    if (url.searchParams.get("watch") !== "true") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ items: [thing("listed")], metadata: { resourceVersion: "1" } }));
      return;
    }
    watches++;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.flushHeaders();
    open.push(() => res.end());
    // The first two watches stay silent for ever; the third says something.
    if (watches >= 3) res.write(`${JSON.stringify({ type: "ADDED", object: thing("watched") })}\n`);
  }));
});

afterAll(async () => {
  for (const close of open) close();
  await close();
});

describe("Informer", () => {
  it("drops a silent watch and starts another, so the cache learns what the next one says", async () => {
    const informer = new Informer<KubeObject>(client, things, silentLogger(), { watchInactivityMs: 200 });
    await informer.start();
    expect(informer.get("listed")?.metadata.name).toBe("listed");
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (informer.get("watched")) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    informer.stop();
    expect(watches).toBeGreaterThanOrEqual(3);
    expect(informer.get("watched")?.metadata.name).toBe("watched");
  });

  it("watches again from the last version it saw, and lists again after 410 Gone, telling what was deleted meanwhile", async () => {
    const informer = new Informer<KubeObject>(client, versioned, silentLogger());
    const seen: string[] = [];
    informer.onChange((obj, event) => seen.push(`${event} ${obj.metadata.name}`));
    await informer.start();
    while (watchedFrom.length < 3) await new Promise((r) => setTimeout(r, 20));
    informer.stop();
    // The first watch starts at the list's version, the second at the bookmark's, the third after a new list.
    expect(watchedFrom).toEqual(["10", "12", "20"]);
    expect(versionedLists).toBe(2);
    expect(seen).toEqual(["add a", "add b", "add c", "delete b"]);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(["a", "c"]);
  });

  it("lists by a streaming watch, goes on watching from its end, and streams again after 410 Gone, telling what was deleted meanwhile", async () => {
    const informer = new Informer<KubeObject>(client, streamed, silentLogger());
    const seen: string[] = [];
    informer.onChange((obj, event) => seen.push(`${event} ${obj.metadata.name}@${obj.metadata.resourceVersion}`));
    await informer.start();
    while (informer.get("c") === undefined) await new Promise((r) => setTimeout(r, 20));
    informer.stop();
    expect(streamedAsked).toEqual(["stream", "watch from 11", "stream"]);
    // Nothing is told before the end of the objects; then what changed since, in order.
    expect(seen).toEqual(["add a@5", "add b@6", "update a@11", "delete b@6", "add c@15"]);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(["a", "c"]);
    expect(informer.listedBy).toBe("streaming list");
  });

  it("lists with a GET when a stream ends before the bookmark that ends its objects, and streams the next list", async () => {
    const informer = new Informer<KubeObject>(client, replayed, silentLogger(), { watchInactivityMs: 200 });
    await informer.start();
    expect(replayedAsked).toEqual(["stream", "list"]);
    expect(informer.listedBy).toBe("GET");
    expect(informer.list().map((o) => o.metadata.name)).toEqual(["a", "b"]);
    // The watch from the list's version is told 410 Gone: the list after it is asked as a stream again.
    while (replayedAsked.length < 5) await new Promise((r) => setTimeout(r, 20));
    informer.stop();
    expect(replayedAsked.slice(0, 5)).toEqual(["stream", "list", "watch", "stream", "list"]);
  });

  it("tries again at once when told the server is back, instead of waiting out its backoff, and says it recovered", async () => {
    let recovered = 0;
    const errors: number[] = [];
    const informer = new Informer<KubeObject>(client, flaky, silentLogger(), {
      onError: (_err, retryInMs) => errors.push(retryInMs),
      onRecovered: () => recovered++,
    });
    const started = informer.start();
    // Fails at 0, 0.5 and 1.5 s: its next try is 2 s away.
    while (errors.length < 3) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual([500, 1000, 2000]);
    expect(informer.failingSince).toBeDefined();
    flakyDown = false;
    informer.retryNow();
    await Promise.race([
      started,
      new Promise((_, reject) => setTimeout(() => reject(new Error("waited out its backoff")), 1_000)),
    ]);
    expect(informer.failingSince).toBeUndefined();
    expect(recovered).toBe(1);
    expect(errors).toHaveLength(3);
    informer.stop();
  });
});
