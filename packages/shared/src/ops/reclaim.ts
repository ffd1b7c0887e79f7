/**
 * reclaim-disk (runbook §6, out of disk space): what runbook's `docker system prune -f` and
 * `docker image prune -a -f` remove, decided here from one inventory of the server instead of left to
 * Docker, so the run can say beforehand exactly what goes and keep what must stay:
 *
 * - stopped containers that belong to no compose project, and stopped one-off `compose run` containers.
 *   Every other container of a compose project stays, stopped or not: this stack's, and another stack's
 *   on the same host (a stopped staging stack is started again with `compose start`; removing its
 *   containers is its own `compose down`'s job);
 * - no network: `docker network prune` takes the network of a stack whose containers are all stopped
 *   (`compose start` then fails) and an external network no container happens to use right now, and a
 *   network holds no disk worth the risk;
 * - tagged images no remaining container uses whose repository is one this stack's compose file names,
 *   except the images of the release the checkout names, of the release the containers run, and of the
 *   previous release (the ledger's), each as the compose file names them with that release's IMAGE_TAG.
 *   Every other image stays: on a shared Docker host it may be another stack's previous release, a
 *   base image, or one another deploy just built. Then dangling images and dangling build cache;
 * - with prune-volumes only: volumes no remaining container mounts and no compose project declared
 *   (a stack's volume outlives its containers: the database's data must survive a removed container).
 */
import { normaliseImageRef, splitParts } from '../deploy/live-state';
import { repositoryOf } from '../deploy/plan';
import type { PlanStep } from '../deploy/deploy';
import { parse as parseYaml } from 'yaml';
import { toSshCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';

const PROJECT_LABEL = 'com.docker.compose.project';
const ONEOFF_LABEL = 'com.docker.compose.oneoff';
/** Rendered into the compose configuration as IMAGE_TAG, to see which image names take the tag. */
export const TAG_SENTINEL = 'tt-reclaim-tag-7d41e0';

export interface InventoryContainer {
  readonly id: string;
  readonly name: string;
  /** The image id it runs. */
  readonly image: string;
  readonly status: string;
  /** Its compose project, '' when none. */
  readonly project: string;
  /** A one-off `compose run` container. */
  readonly oneoff: boolean;
  /** The names of the volumes it mounts. */
  readonly volumes: readonly string[];
}

export interface InventoryImage {
  readonly id: string;
  /** `repo:tag`; `<none>:<none>` for a dangling image. */
  readonly ref: string;
  readonly size: string;
}

export interface InventoryVolume {
  readonly name: string;
  /** The compose project that declared it, '' when none. */
  readonly project: string;
}

export interface Inventory {
  /** `df -Pk` of app-dir's filesystem, as printed. */
  readonly df: string;
  /** `docker system df`, as printed. */
  readonly dockerDf: string;
  readonly containers: readonly InventoryContainer[];
  readonly images: readonly InventoryImage[];
  readonly volumes: readonly InventoryVolume[];
  /** The images the compose file names (profiled tools too), IMAGE_TAG rendered as TAG_SENTINEL. */
  readonly composeImages: readonly string[];
  /** Why `compose config` failed (asked for with a compose file); undefined when it did not. */
  readonly configError: string | undefined;
}

/**
 * $1 app dir, $2 compose file ('' = no configuration), $3 the tag sentinel, then the compose command
 * words. Each part is printed after a `@@tt:<name>` line, each of its lines behind '|' (see live-state).
 */
const INVENTORY_SCRIPT = `
cd "$1" || { echo "app-dir $1 is missing" >&2; exit 1; }
file=$2 sentinel=$3; shift 3
part() { printf '\\n@@tt:%s\\n' "$1"; }
body() { sed 's/^/|/'; }
part df; df -Pk -- . | body
part docker-df; docker system df 2>&1 | body
part containers
ids=$(docker ps -aq --no-trunc)
[ -z "$ids" ] || docker inspect --format '{{.Id}}\t{{.Name}}\t{{.Image}}\t{{.State.Status}}\t{{json .Config.Labels}}\t{{json .Mounts}}' $ids 2>/dev/null | body
part images; docker images --no-trunc --format '{{.ID}}\t{{.Repository}}:{{.Tag}}\t{{.Size}}' | body
part volumes; docker volume ls --format '{{.Name}}\t{{.Label "${PROJECT_LABEL}"}}' | body
if [ -n "$file" ]; then
  err=$(mktemp) || exit 1
  if config=$(IMAGE_TAG=$sentinel "$@" -f "$file" config 2>"$err"); then
    part config; printf '%s\\n' "$config" | body
  else
    part config-error; body <"$err"
  fi
  rm -f "$err"
fi
part end
`;

export function inventoryCommand(
  appDir: string,
  composeFile: string | undefined,
  composeWords: readonly string[],
): string {
  return toSshCommand(INVENTORY_SCRIPT, [appDir, composeFile ?? '', TAG_SENTINEL, ...composeWords]);
}

export function parseInventory(text: string): Inventory {
  const parts = splitParts(text);
  const lines = (name: string) => (parts.get(name) ?? '').split('\n').filter((line) => line !== '');
  const containers = lines('containers').flatMap((line): InventoryContainer[] => {
    const fields = line.split('\t');
    if (fields.length !== 6) return [];
    const labels = (JSON.parse(fields[4]) ?? {}) as Record<string, string>;
    const mounts = (JSON.parse(fields[5]) ?? []) as { Type?: string; Name?: string }[];
    return [
      {
        id: fields[0],
        name: fields[1].replace(/^\//, ''),
        image: fields[2],
        status: fields[3],
        project: labels[PROJECT_LABEL] ?? '',
        oneoff: labels[ONEOFF_LABEL] === 'True',
        volumes: mounts
          .filter((mount) => mount.Type === 'volume' && mount.Name)
          .map((mount) => mount.Name ?? ''),
      },
    ];
  });
  const images = lines('images').flatMap((line): InventoryImage[] => {
    const [id, ref, size = ''] = line.split('\t');
    return id && ref ? [{ id, ref, size }] : [];
  });
  const volumes = lines('volumes').flatMap((line): InventoryVolume[] => {
    const [name, project = ''] = line.split('\t');
    return name ? [{ name, project }] : [];
  });
  const config = parseYaml(parts.get('config') ?? '') as {
    services?: Record<string, { image?: string } | null>;
  } | null;
  const composeImages = Object.values(config?.services ?? {})
    .map((service) => service?.image)
    .filter((image): image is string => typeof image === 'string');
  return {
    df: parts.get('df') ?? '',
    dockerDf: parts.get('docker-df') ?? '',
    containers,
    images,
    volumes,
    composeImages,
    configError: parts.has('config-error') ? parts.get('config-error') || '(no message)' : undefined,
  };
}

export interface ReclaimPlan {
  readonly containers: readonly { readonly id: string; readonly name: string }[];
  /** Image references to remove (each image goes with its last reference). */
  readonly images: readonly string[];
  /** Unused images kept because a release of the stack names them. */
  readonly keptImages: readonly string[];
  /** Unused images kept because their repository is not one the compose file names (not this stack's). */
  readonly otherImages?: number;
  readonly volumes: readonly string[];
}

const STOPPED = ['exited', 'created', 'dead'];

/**
 * What goes, from the inventory alone (see the module comment). `tags` are the IMAGE_TAGs of the
 * releases to keep; a container being removed no longer counts as using its image or volumes.
 */
export function planReclaim(
  inventory: Inventory,
  options: { readonly tags: readonly string[]; readonly pruneVolumes: boolean },
): ReclaimPlan {
  const removable = (container: InventoryContainer) =>
    STOPPED.includes(container.status) && (container.project === '' || container.oneoff);
  const containers = inventory.containers.filter(removable);
  const remaining = inventory.containers.filter((container) => !removable(container));
  const usedImages = new Set(remaining.map((container) => container.image));
  const keep = new Set(
    inventory.composeImages.flatMap((image) =>
      image.includes(TAG_SENTINEL)
        ? options.tags.map((tag) => normaliseImageRef(image.replaceAll(TAG_SENTINEL, tag)))
        : [normaliseImageRef(image)],
    ),
  );
  const repository = (ref: string) => repositoryOf(normaliseImageRef(ref));
  const ours = new Set(inventory.composeImages.map(repository));
  const refsById = new Map<string, string[]>();
  for (const image of inventory.images) {
    // Dangling images go with `docker image prune`; an image known by digest only is left alone.
    if (image.ref.endsWith(':<none>')) continue;
    refsById.set(image.id, [...(refsById.get(image.id) ?? []), image.ref]);
  }
  const images: string[] = [];
  const keptImages: string[] = [];
  let otherImages = 0;
  for (const [id, refs] of refsById) {
    if (usedImages.has(id)) continue;
    // An image goes only when each of its names is one of this stack's repositories.
    if (!refs.every((ref) => ours.has(repository(ref)))) otherImages++;
    else if (refs.some((ref) => keep.has(normaliseImageRef(ref)))) keptImages.push(...refs);
    else images.push(...refs);
  }
  const mounted = new Set(remaining.flatMap((container) => container.volumes));
  const volumes = options.pruneVolumes
    ? inventory.volumes
        .filter((volume) => volume.project === '' && !mounted.has(volume.name))
        .map((volume) => volume.name)
    : [];
  return {
    containers: containers.map(({ id, name }) => ({ id, name })),
    images: images.sort(),
    keptImages: keptImages.sort(),
    otherImages,
    volumes: volumes.sort(),
  };
}

/** The commands that carry a plan out, in order (containers first: they free images and volumes). */
export function reclaimSteps(plan: ReclaimPlan, pruneVolumes: boolean): PlanStep[] {
  const steps: PlanStep[] = [];
  if (plan.containers.length > 0)
    steps.push({
      title: `Remove ${plan.containers.length} stopped container(s) of no compose project or one-off: ${plan.containers.map((c) => c.name).join(', ')}`,
      command: { argv: ['docker', 'rm', ...plan.containers.map((container) => container.id)] },
    });
  if (plan.images.length > 0)
    steps.push({
      title: `Remove ${plan.images.length} unused image reference(s) of this stack's repositories: ${plan.images.join(', ')}`,
      command: { argv: ['docker', 'rmi', ...plan.images] },
    });
  // An hour old at least: the layers a build running right now on this host (another stack's deploy)
  // has just made are dangling until it tags its image, and must not go from under it.
  steps.push({
    title: 'Remove dangling images older than an hour',
    command: { argv: ['docker', 'image', 'prune', '-f', '--filter', 'until=1h'] },
  });
  steps.push({
    title: 'Remove dangling build cache older than an hour',
    command: { argv: ['docker', 'builder', 'prune', '-f', '--filter', 'until=1h'] },
  });
  if (pruneVolumes && plan.volumes.length > 0)
    steps.push({
      title: `Remove ${plan.volumes.length} unused volume(s) of no compose project: ${plan.volumes.join(', ')}`,
      command: { argv: ['docker', 'volume', 'rm', ...plan.volumes] },
    });
  return steps;
}

/** Reads the inventory; with `composeFile`, the compose configuration too. */
export async function readInventory(
  session: RemoteSession,
  appDir: string,
  composeFile: string | undefined,
  composeWords: readonly string[],
): Promise<Inventory> {
  return parseInventory(
    await session.run(inventoryCommand(appDir, composeFile, composeWords), 'reading what Docker holds', {
      echo: 'none',
      timeoutSeconds: 300,
      maxBytes: 16 * 1024 * 1024,
    }),
  );
}

/** `df`'s use of app-dir's filesystem: "12.3 GiB used of 40.0 GiB (31%), 27.7 GiB free". */
export function diskLine(df: string): string {
  const fields = df.split('\n').at(-1)?.trim().split(/\s+/) ?? [];
  const [total, used, free] = fields.slice(1, 4).map(Number);
  if (![total, used, free].every((n) => Number.isFinite(n))) return df.trim();
  const gib = (kib: number) => `${(kib / 1024 / 1024).toFixed(1)} GiB`;
  return `${gib(used)} used of ${gib(total)} (${fields[4] ?? '?'}), ${gib(free)} free`;
}
