// The GPUClass controller's setup: what it watches, and how a change maps to the classes to reconcile.
import type { Controller } from "../controller/controller.ts";
import type { Manager } from "../controller/manager.ts";
import type { FleetCaches } from "./fleet-caches.ts";
import { gpuClassReconciler } from "./gpuclass.ts";
import { type FleetPlanner, nodePlacementChange, supplyOf } from "./planner.ts";

export function setupGpuClassController(mgr: Manager, caches: FleetCaches, planner: FleetPlanner): Controller {
  const allClasses = () => caches.classes.list().map((c) => c.metadata.name);
  const controller = mgr.addController({
    name: "gpuclass",
    primary: caches.classes,
    // A node that joins, leaves or changes readiness, capacity or labels changes every class's nodes;
    // a RuntimeClass created or deleted changes whether classes can run their pods.
    watches: [
      { informer: caches.nodes, map: nodePlacementChange(allClasses) },
      { informer: caches.runtimeClasses, map: allClasses },
    ],
    reconcile: gpuClassReconciler({
      client: mgr.client,
      classes: caches.classes,
      ledger: (c) => planner.ledgerOf(c),
      nodes: () => caches.nodes.list().map(supplyOf),
      runtimeClasses: () => new Set(caches.runtimeClasses.list().map((r) => r.metadata.name)),
    }),
    workers: 1,
  });
  // Each class's ledger follows the plan: any change of a decision or of the room left.
  planner.subscribe(() => {
    for (const name of allClasses()) controller.queue.add(name);
  });
  return controller;
}
