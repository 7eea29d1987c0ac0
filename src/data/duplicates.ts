/**
 * Near-duplicates and groups (docs/contracts.md "Splits"): photos that are versions of one another
 * share one group, and a group is never on two sides of a split.
 *
 * - Items are unique image contents (SHA-256); files with identical bytes are one item.
 * - Two items are linked when their whole-image hashes are within `maxDistance` bits (re-encodes,
 *   resizes), or when their upper-half hashes are (the same photo with a mask pasted on the lower
 *   half of the face) while the whole images stay fairly close: each bit of whole-image distance
 *   beyond `upperWholeLimit` counts against the upper-half distance. Measured on the data (see
 *   notebook 01): different faces on similar backgrounds can agree on their upper halves (upper
 *   3–4 bits) but then differ by 14–22 bits as whole images, while pasted-mask pairs stay within
 *   about 13.
 * - Groups are connected components of those links, built strongest link first (Kruskal order).
 *   Guard against chains of weak links: once a merge would make a group larger than
 *   `maxGroupSize`, it happens only through a link within `strictDistance` bits; weaker links
 *   between two such groups are refused and reported (`refused`).
 *
 * - File names alone cannot decide (about 40 same-numbered `observations` pairs show different
 *   people, at 21–44 bits), but a same-numbered pair whose hashes are within `namedPairDistance`
 *   (10) is the same photo: measured, the distances of those pairs fall in two clusters, 0–16
 *   and 21–44, and the near misses of the first cluster (5–10 bits) are masks pasted larger.
 *
 * - A photo and its mirror image (everyday-unmasked's `X_reflection.jpg`, src/data/everyday.ts) differ
 *   as images but not as photos: their pair is named and its distances are taken to the mirrored
 *   hashes (the thumbnail flipped), so it links like a same-number pair.
 *
 * All pairs are compared directly (n²/2 popcounts over typed arrays): 4,600 items take about
 * 0.2 s here, so no index structure is needed at this scale.
 */
import type { Fingerprint } from './fingerprint';
import { hammingHex, hashWords, mirroredHashes, popcount32 } from './fingerprint';
import { reflectionPairs } from './everyday';

export interface GroupingOptions {
  /** Pair threshold in bits (Hamming distance of 64-bit dHashes). default: 4 */
  maxDistance?: number;
  /** Which hashes link a pair: `either` (whole or upper half), `whole`, or `upper`. default: 'either' */
  hash?: 'either' | 'whole' | 'upper';
  /** Groups may grow beyond this only through strict links. default: 12 */
  maxGroupSize?: number;
  /** A strict link: distance at most this (in the linking hash). default: 1 */
  strictDistance?: number;
  /** An upper-half link pays one bit per bit of whole-image distance beyond this. default: 12 */
  upperWholeLimit?: number;
  /** Same-number pairs of `observations` (`N.jpg` ↔ `N-with-mask.jpg`) link when either hash is within this. default: 10 */
  namedPairDistance?: number;
}

export const DEFAULT_GROUPING: Required<GroupingOptions> = { maxDistance: 4, hash: 'either', maxGroupSize: 12, strictDistance: 1, upperWholeLimit: 12, namedPairDistance: 10 };

/** A near-duplicate pair of two unique contents, with both distances. */
export interface NearPair {
  a: string;
  b: string;
  whole: number;
  upper: number;
  /** A pair suggested by the file names (observations `N.jpg` ↔ `N-with-mask.jpg`), judged by `namedPairDistance`. */
  named?: boolean;
  /** A named pair of a photo and its mirror image (everyday-unmasked `X.jpg` ↔ `X_reflection.jpg`): the distances are to the mirrored hashes. */
  mirrored?: boolean;
}

/** The distance that decides a link (see the module comment); a pair links when it is <= `maxDistance`. */
export function linkDistance(p: NearPair, opts: GroupingOptions = {}): number {
  const o = { ...DEFAULT_GROUPING, ...opts };
  const upper = p.upper + Math.max(0, p.whole - o.upperWholeLimit);
  if (p.named && Math.min(p.whole, p.upper) <= o.namedPairDistance) return Math.min(p.whole, upper, o.maxDistance);
  return o.hash === 'whole' ? p.whole : o.hash === 'upper' ? upper : Math.min(p.whole, upper);
}

/**
 * Candidate pairs: all pairs of `shas` (unique) whose whole or upper hash is within
 * `maxDistance` (a candidate links only when `linkDistance` is within it too).
 * Pairs come sorted by (linking distance, a, b) with `a < b`.
 */
export function findNearPairs(shas: string[], fingerprints: Map<string, Fingerprint>, opts: GroupingOptions = {}): NearPair[] {
  const o = { ...DEFAULT_GROUPING, ...opts };
  const ids = [...new Set(shas)].sort();
  const n = ids.length;
  const w0 = new Uint32Array(n), w1 = new Uint32Array(n), u0 = new Uint32Array(n), u1 = new Uint32Array(n);
  ids.forEach((s, i) => {
    const f = fingerprints.get(s);
    if (!f) throw new Error(`no fingerprint for ${s}`);
    [w0[i], w1[i]] = hashWords(f.whole);
    [u0[i], u1[i]] = hashWords(f.upper);
  });
  const d = o.maxDistance;
  const useW = o.hash !== 'upper';
  const useU = o.hash !== 'whole';
  const out: NearPair[] = [];
  for (let i = 0; i < n; i++) {
    const wi0 = w0[i], wi1 = w1[i], ui0 = u0[i], ui1 = u1[i];
    for (let j = i + 1; j < n; j++) {
      const dw = popcount32(wi0 ^ w0[j]) + popcount32(wi1 ^ w1[j]);
      const du = popcount32(ui0 ^ u0[j]) + popcount32(ui1 ^ u1[j]);
      if ((useW && dw <= d) || (useU && du <= d)) out.push({ a: ids[i], b: ids[j], whole: dw, upper: du });
    }
  }
  out.sort((p, q) => linkDistance(p, o) - linkDistance(q, o) || (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0));
  return out;
}

export interface Grouping {
  /** Group id per SHA-256 (every item has one; a singleton is its own group). */
  groupOf: Map<string, string>;
  /** Members per group id (sorted SHA-256s). */
  members: Map<string, string[]>;
  /** Links that made groups (accepted) and links the chain guard refused. */
  accepted: NearPair[];
  refused: NearPair[];
  /** Size (unique contents) of the largest group, and its id. */
  largest: { id: string; size: number };
}

/**
 * A group's id: `g` + the first 12 hex digits of its smallest member's SHA-256 (stable, readable);
 * longer when two groups would share a prefix.
 */
function groupId(members: string[], taken: Set<string>): string {
  let m = members[0];
  for (const s of members) if (s < m) m = s;
  for (let n = 12; n < m.length; n += 4) if (!taken.has('g' + m.slice(0, n))) return 'g' + m.slice(0, n);
  return 'g' + m;
}

/** Connected components of the near-duplicate links with the chain guard (see the module comment). */
export function groupImages(shas: string[], pairs: NearPair[], opts: GroupingOptions = {}): Grouping {
  const o = { ...DEFAULT_GROUPING, ...opts };
  const ids = [...new Set(shas)].sort();
  const index = new Map(ids.map((s, i) => [s, i]));
  const parent = Int32Array.from(ids, (_, i) => i);
  const size = new Int32Array(ids.length).fill(1);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const accepted: NearPair[] = [];
  const refused: NearPair[] = [];
  const sorted = [...pairs].sort((p, q) => linkDistance(p, o) - linkDistance(q, o) || (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0));
  for (const p of sorted) {
    const ia = index.get(p.a), ib = index.get(p.b);
    if (ia === undefined || ib === undefined) continue;
    const dist = linkDistance(p, o);
    if (dist > o.maxDistance) continue;
    let ra = find(ia), rb = find(ib);
    if (ra === rb) {
      accepted.push(p);
      continue;
    }
    if (size[ra] + size[rb] > o.maxGroupSize && dist > o.strictDistance) {
      refused.push(p);
      continue;
    }
    if (size[ra] < size[rb]) [ra, rb] = [rb, ra];
    parent[rb] = ra;
    size[ra] += size[rb];
    accepted.push(p);
  }
  const byRoot = new Map<number, string[]>();
  ids.forEach((s, i) => {
    const r = find(i);
    const l = byRoot.get(r);
    if (l) l.push(s);
    else byRoot.set(r, [s]);
  });
  const groupOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  let largest = { id: '', size: 0 };
  const taken = new Set<string>();
  const roots = [...byRoot.values()].sort((x, y) => (x[0] < y[0] ? -1 : 1)); // members are sorted: deterministic ids
  for (const m of roots) {
    const id = groupId(m, taken);
    taken.add(id);
    members.set(id, m);
    for (const s of m) groupOf.set(s, id);
    if (m.length > largest.size || (m.length === largest.size && id < largest.id)) largest = { id, size: m.length };
  }
  // A refused link whose ends ended up together anyway (through other links) is not "kept apart".
  const keptApart = refused.filter((p) => groupOf.get(p.a) !== groupOf.get(p.b));
  return { groupOf, members, accepted, refused: keptApart, largest };
}

/** The same-number pairs of `observations` (`without_mask/N.*` ↔ `with_mask/N-with-mask.*`) as records. */
export function observationsNamedPairs<R extends { dataset: string; relPath: string; sha256: string }>(records: R[]): [R, R][] {
  const unmasked = new Map<number, R>();
  for (const r of records) {
    if (r.dataset !== 'observations') continue;
    const m = /^without_mask\/(\d+)\.[^/]+$/.exec(r.relPath);
    if (m) unmasked.set(Number(m[1]), r);
  }
  const out: [R, R][] = [];
  for (const r of records) {
    if (r.dataset !== 'observations') continue;
    const m = /^with_mask\/(\d+)-with-mask\.[^/]+$/.exec(r.relPath);
    const u = m ? unmasked.get(Number(m[1])) : undefined;
    if (u) out.push([u, r]);
  }
  return out;
}

/**
 * Every candidate link of labelled records: hash pairs (`findNearPairs`) plus the named pairs of
 * `observations` and the mirrored pairs of everyday-unmasked (their distances taken to the mirror
 * image's hashes, judged like named pairs), each with both distances. This is what `groupImages` takes.
 */
export function findLinks(records: { dataset: string; relPath: string; sha256: string }[], fingerprints: Map<string, Fingerprint>, opts: GroupingOptions = {}): NearPair[] {
  const o = { ...DEFAULT_GROUPING, ...opts };
  const shas = [...new Set(records.map((r) => r.sha256))];
  const pairs = findNearPairs(shas, fingerprints, o);
  const index = new Map(pairs.map((p, i) => [`${p.a}|${p.b}`, i]));
  for (const [u, m] of observationsNamedPairs(records)) {
    if (u.sha256 === m.sha256) continue;
    const [a, b] = u.sha256 < m.sha256 ? [u.sha256, m.sha256] : [m.sha256, u.sha256];
    const i = index.get(`${a}|${b}`);
    if (i !== undefined) {
      pairs[i].named = true;
      continue;
    }
    const fa = fingerprints.get(a)!, fb = fingerprints.get(b)!;
    const [w0, w1] = hashWords(fa.whole), [x0, x1] = hashWords(fb.whole);
    const [u0, u1] = hashWords(fa.upper), [y0, y1] = hashWords(fb.upper);
    const p: NearPair = { a, b, whole: popcount32(w0 ^ x0) + popcount32(w1 ^ x1), upper: popcount32(u0 ^ y0) + popcount32(u1 ^ y1), named: true };
    index.set(`${a}|${b}`, pairs.length);
    pairs.push(p);
  }
  for (const [x, y] of reflectionPairs(records)) {
    if (x.sha256 === y.sha256) continue;
    const [a, b] = x.sha256 < y.sha256 ? [x.sha256, y.sha256] : [y.sha256, x.sha256];
    const fa = fingerprints.get(a)!, mb = mirroredHashes(fingerprints.get(b)!.grid);
    const p: NearPair = { a, b, whole: hammingHex(fa.whole, mb.whole), upper: hammingHex(fa.upper, mb.upper), named: true, mirrored: true };
    const i = index.get(`${a}|${b}`);
    if (i !== undefined) pairs[i] = p;
    else pairs.push(p);
  }
  pairs.sort((p, q) => linkDistance(p, o) - linkDistance(q, o) || (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0));
  return pairs;
}

/**
 * Groups where some images are bound together beforehand — ilc2021's crops and scene of one
 * photo — as nodes: each image is the node it is bound to (`bindings`: SHA-256 → node key), or
 * its own node. A near-duplicate link between images becomes a link between their nodes (the
 * closest link when there are several), and files with identical bytes bound to two nodes join
 * them. `groupImages` then works on nodes, so the chain guard counts photos, not crops.
 * Returns the grouping of node keys and, per node, the links that reached it from other nodes.
 */
export function groupBound(shas: string[], pairs: NearPair[], bindings: [string, string][], opts: GroupingOptions = {}): Grouping {
  const o = { ...DEFAULT_GROUPING, ...opts };
  const nodesOf = new Map<string, string[]>();
  for (const [sha, node] of bindings) {
    const l = nodesOf.get(sha) ?? [];
    if (!l.includes(node)) l.push(node);
    nodesOf.set(sha, l);
  }
  const nodeOf = (sha: string) => (nodesOf.get(sha) ?? [sha])[0];
  const nodes = new Set<string>();
  for (const s of shas) for (const n of nodesOf.get(s) ?? [s]) nodes.add(n);
  const best = new Map<string, NearPair>();
  const offer = (p: NearPair) => {
    if (p.a === p.b) return;
    const [a, b] = p.a < p.b ? [p.a, p.b] : [p.b, p.a];
    const q = { ...p, a, b };
    const k = `${a}|${b}`;
    const cur = best.get(k);
    if (!cur || linkDistance(q, o) < linkDistance(cur, o)) best.set(k, q);
  };
  for (const p of pairs) offer({ ...p, a: nodeOf(p.a), b: nodeOf(p.b) });
  for (const ns of nodesOf.values()) for (let i = 1; i < ns.length; i++) offer({ a: ns[0], b: ns[i], whole: 0, upper: 0 });
  return groupImages([...nodes], [...best.values()], o);
}
