// The condition types AgentFleet sets on its kinds and every reason it can give, as constants: one
// home for the words that users match on (`kubectl wait --for=condition=Ready`, alerts on reasons,
// runbooks per reason), as Kueue's and cert-manager's API packages keep theirs.

export const AgentCondition = {
  /**
   * The agent serves: as many pods available as it asks for, of whichever version (or it is scaled to
   * zero on purpose). Progressing says whether they are up to date.
   */
  Ready: "Ready",
  /** The agent has a node: a GPU node of its class or a fallback, or any node for a CPU agent. */
  Placed: "Placed",
  /** A rollout is under way. */
  Progressing: "Progressing",
  /** Something a person must fix: a crash loop, a bad image, a missing Secret, a failed rollout. */
  Degraded: "Degraded",
  /** Whether the agents it depends on exist and are Ready. */
  DependenciesReady: "DependenciesReady",
  /** On a required agent with dependencies: whether each of them is required too. */
  DependenciesRequired: "DependenciesRequired",
  /** Whether its PodDisruptionBudget holds a drain until it runs elsewhere. */
  DisruptionProtected: "DisruptionProtected",
  /** A GPU agent runs on a fallback class, not its own. */
  FallbackActive: "FallbackActive",
} as const;
export type AgentConditionType = (typeof AgentCondition)[keyof typeof AgentCondition];

/** True when the object's status carries the condition with status True. */
export const conditionTrue = (
  obj: { status?: { conditions?: { type: string; status: string }[] | undefined } | undefined } | undefined,
  type: string,
) => obj?.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;

/** The reasons the operator gives on an AgentDeployment's conditions. */
export const AgentReason = {
  // Ready
  InvalidSpec: "InvalidSpec",
  /** Ready and Degraded: the API server refused a child as invalid (what admission could not know). */
  ChildRejected: "ChildRejected",
  Available: "Available",
  ScaledToZero: "ScaledToZero",
  Creating: "Creating",
  Starting: "Starting",
  // Ready (False) and Progressing (True): held until its dependencies are Ready
  WaitingForDependencies: "WaitingForDependencies",
  // Placed (True)
  Placed: "Placed",
  CPUOnly: "CPUOnly",
  FallbackActive: "FallbackActive",
  // Placed (False): why a GPU agent waits, or the scheduler's refusal
  InsufficientVRAM: "InsufficientVRAM",
  NoFreeGPU: "NoFreeGPU",
  NodeNotReady: "NodeNotReady",
  UnknownGPUClass: "UnknownGPUClass",
  Preempted: "Preempted",
  Unschedulable: "Unschedulable",
  // Progressing
  RollingOut: "RollingOut",
  RolloutComplete: "RolloutComplete",
  NotPlaced: "NotPlaced",
  // Degraded
  AsExpected: "AsExpected",
  // DependenciesReady
  NoDependencies: "NoDependencies",
  AllReady: "AllReady",
  DependenciesNotReady: "DependenciesNotReady",
  MissingDependency: "MissingDependency",
  DependencyCycle: "DependencyCycle",
  /** Every dependency Ready, but one is scaled to zero on purpose: nothing answers at its address. */
  DependencyScaledToZero: "DependencyScaledToZero",
  // DependenciesRequired
  AllRequired: "AllRequired",
  OptionalDependency: "OptionalDependency",
  // DisruptionProtected
  MultipleReplicas: "MultipleReplicas",
  FallbackAvailable: "FallbackAvailable",
  NotRequired: "NotRequired",
  NoFallback: "NoFallback",
  NoReplicas: "NoReplicas",
  // FallbackActive
  OnOwnClass: "OnOwnClass",
  OwnClassUnavailable: "OwnClassUnavailable",
} as const;
export type AgentReasonType = (typeof AgentReason)[keyof typeof AgentReason];

/** Container states kubelet reports that a person must act on, passed through on Ready and Degraded. */
export const containerWaitingReasons = [
  "CreateContainerConfigError",
  "ErrImagePull",
  "ImagePullBackOff",
  "CrashLoopBackOff",
  "InvalidImageName",
] as const;

/** The Deployment controller's reasons for a failed rollout, passed through on Degraded. */
export const rolloutFailureReasons = ["ProgressDeadlineExceeded", "ReplicaFailure"] as const;

export const GPUClassCondition = {
  /** At least one of the class's nodes is Ready and schedulable. */
  Ready: "Ready",
  /** Its nodeSelectorTerms select at least one node, and each advertises the class's resource. */
  NodesMatched: "NodesMatched",
  /** Its RuntimeClass exists (or it names none). */
  RuntimeClassFound: "RuntimeClassFound",
  /** GPU Feature Discovery's labels agree with the class: time-slicing replicas, memory, product forms. */
  SharingConsistent: "SharingConsistent",
} as const;

export const GPUClassReason = {
  NodesReady: "NodesReady",
  NoMatchingNode: "NoMatchingNode",
  NoReadyNode: "NoReadyNode",
  // NodesMatched
  NodesFound: "NodesFound",
  ResourceNotAdvertised: "ResourceNotAdvertised",
  // RuntimeClassFound
  RuntimeClassExists: "RuntimeClassExists",
  RuntimeClassMissing: "RuntimeClassMissing",
  NoRuntimeClass: "NoRuntimeClass",
  // SharingConsistent
  LabelsAgree: "LabelsAgree",
  LabelsDisagree: "LabelsDisagree",
} as const;
