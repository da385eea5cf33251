// The fleet's image, for `agentfleet import --image REPO:TAG`: the legacy agents are scripts of one
// Python monorepo, so one Dockerfile builds it, with two targets: a CUDA runtime for the GPU agents
// (REPO:TAG-cuda) and a slim Python for the rest (REPO:TAG). Non-root, no secrets: the
// Dockerfile.dockerignore beside it (BuildKit reads it for this Dockerfile) keeps .env files and keys
// out of the build context.

/** REPO:TAG for CPU agents, REPO:TAG-cuda for GPU agents. */
export const gpuImageOf = (image: string) => `${image}-cuda`;

/** Whether --image is a reference the importer can derive the CUDA tag from: a repository and a tag. */
export const isTaggedImage = (image: string) =>
  /^[a-z0-9][-a-z0-9._/:]*:[\w][\w.-]{0,127}$/.test(image) && !image.includes("@");

export function fleetDockerfile(image: string): string {
  return `# syntax=docker/dockerfile:1
# The legacy fleet's image, written by \`agentfleet import --image ${image}\`. Build it from the root of
# the monorepo the agents' scripts live in (each agent keeps its own command):
#   docker build -f THIS_DIR/Dockerfile --target cpu -t ${image} MONOREPO
#   docker build -f THIS_DIR/Dockerfile --target gpu -t ${gpuImageOf(image)} MONOREPO
# The agents run as user 1000 on a read-only root file system with /tmp writable (AgentFleet's pods):
# their home and their caches (Hugging Face's models, torch's, pip's) are in /tmp, the one place they
# may write. A model worth keeping across restarts belongs on a volume (HF_HOME).
ARG REQUIREMENTS=requirements.txt

FROM python:3.12-slim AS cpu
ARG REQUIREMENTS
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY \${REQUIREMENTS} /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY --chown=1000:1000 . /app
ENV HOME=/tmp XDG_CACHE_HOME=/tmp/.cache
USER 1000:1000

FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 AS gpu
ARG REQUIREMENTS
ENV DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \\
    PIP_BREAK_SYSTEM_PACKAGES=1
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip \\
    && rm -rf /var/lib/apt/lists/* && ln -s /usr/bin/python3 /usr/local/bin/python
WORKDIR /app
COPY \${REQUIREMENTS} /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY --chown=1000:1000 . /app
ENV HOME=/tmp XDG_CACHE_HOME=/tmp/.cache
USER 1000:1000
`;
}

/** What never goes into the image: credentials and the repository's history. */
export const fleetDockerignore = `# Written by agentfleet import: BuildKit applies it to the Dockerfile beside it.
.git
**/.env
**/.env.*
**/*.pem
**/*.key
**/id_rsa*
**/secrets*
**/__pycache__
**/*.pyc
`;
