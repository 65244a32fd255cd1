/**
 * A V8 `.heapsnapshot` as flat typed arrays, with what the analyzer needs: a class key per node
 * (constructor, closure name, or what owns an internal array or context), the immediate dominator
 * of every node and its retained size (Cooper, Harvey and Kennedy's iterative algorithm over the
 * non-weak edges from the synthetic root).
 */
import { readFileSync } from 'node:fs';

interface SnapshotJson {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
    node_count: number;
  };
  nodes: number[];
  edges: number[];
  strings: string[];
  /** [node field offset, script id, line, column] per function, 0-based. */
  locations?: number[];
}

/** Names of the edges from an object to a store it owns alone; the store is counted as its owner's. */
const OWNED_STORES = new Set(['properties', 'elements', 'table', 'context', 'shared', 'feedback_cell']);

export class HeapGraph {
  readonly nodeCount: number;
  readonly id: Float64Array;
  readonly selfSize: Float64Array;
  readonly type: Uint8Array;
  readonly name: Uint32Array;
  /** Edges of node n are firstEdge[n] … firstEdge[n + 1] - 1. */
  readonly firstEdge: Uint32Array;
  readonly edgeType: Uint8Array;
  readonly edgeName: Uint32Array;
  readonly edgeTo: Uint32Array;
  readonly strings: string[];
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  /** The node that owns an internal store (properties, elements, a closure's context), or -1. */
  readonly owner: Int32Array;
  /** Source line (0-based) of a closure, by node, or -1. */
  readonly line: Int32Array;
  #idom: Int32Array | null = null;
  #retainerStart: Uint32Array | null = null;
  #retainerEdge: Uint32Array | null = null;
  #edgeFrom: Uint32Array | null = null;
  #retained: Float64Array | null = null;
  #keys: string[] | null = null;

  static read(path: string): HeapGraph {
    return new HeapGraph(JSON.parse(readFileSync(path, 'utf8')) as SnapshotJson);
  }

  constructor(json: SnapshotJson) {
    const meta = json.snapshot.meta;
    const nodeFields = meta.node_fields.length;
    const edgeFields = meta.edge_fields.length;
    const field = (fields: string[], name: string) => {
      const index = fields.indexOf(name);
      if (index < 0) throw new Error(`heap snapshot without ${name}`);
      return index;
    };
    const [nType, nName, nId, nSize, nEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((name) =>
      field(meta.node_fields, name),
    ) as [number, number, number, number, number];
    const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((name) =>
      field(meta.edge_fields, name),
    ) as [number, number, number];
    const count = json.nodes.length / nodeFields;
    const edgeCount = json.edges.length / edgeFields;
    this.nodeCount = count;
    this.strings = json.strings;
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.id = new Float64Array(count);
    this.selfSize = new Float64Array(count);
    this.type = new Uint8Array(count);
    this.name = new Uint32Array(count);
    this.firstEdge = new Uint32Array(count + 1);
    this.edgeType = new Uint8Array(edgeCount);
    this.edgeName = new Uint32Array(edgeCount);
    this.edgeTo = new Uint32Array(edgeCount);
    let edge = 0;
    for (let node = 0; node < count; node++) {
      const base = node * nodeFields;
      this.type[node] = json.nodes[base + nType]!;
      this.name[node] = json.nodes[base + nName]!;
      this.id[node] = json.nodes[base + nId]!;
      this.selfSize[node] = json.nodes[base + nSize]!;
      this.firstEdge[node] = edge;
      edge += json.nodes[base + nEdges]!;
    }
    this.firstEdge[count] = edge;
    for (let index = 0; index < edgeCount; index++) {
      const base = index * edgeFields;
      this.edgeType[index] = json.edges[base + eType]!;
      this.edgeName[index] = json.edges[base + eName]!;
      this.edgeTo[index] = json.edges[base + eTo]! / nodeFields;
    }
    this.line = new Int32Array(count).fill(-1);
    const locations = json.locations ?? [];
    const locationFields = 4;
    for (let at = 0; at + locationFields <= locations.length; at += locationFields)
      this.line[locations[at]! / nodeFields] = locations[at + 2]!;
    this.owner = new Int32Array(count).fill(-1);
    const element = this.edgeTypes.indexOf('element');
    const hidden = this.edgeTypes.indexOf('hidden');
    for (let node = 0; node < count; node++) {
      for (let index = this.firstEdge[node]!; index < this.firstEdge[node + 1]!; index++) {
        const kind = this.edgeType[index]!;
        if (kind === element || kind === hidden) continue; // their name is an index, not a string
        const to = this.edgeTo[index]!;
        if (this.owner[to] === -1 && OWNED_STORES.has(this.strings[this.edgeName[index]!]!)) {
          const toType = this.nodeTypes[this.type[to]!];
          if (toType === 'array' || toType === 'hidden' || toType === 'code') this.owner[to] = node;
        }
      }
    }
  }

  nodeType(node: number): string {
    return this.nodeTypes[this.type[node]!]!;
  }

  nodeName(node: number): string {
    return this.strings[this.name[node]!]!;
  }

  edgeLabel(index: number): string {
    const kind = this.edgeTypes[this.edgeType[index]!]!;
    return kind === 'element' || kind === 'hidden'
      ? `[${this.edgeName[index]}]`
      : this.strings[this.edgeName[index]!]!;
  }

  /** The target of `node`'s first edge named `name`, or -1. */
  child(node: number, name: string): number {
    for (let index = this.firstEdge[node]!; index < this.firstEdge[node + 1]!; index++) {
      const kind = this.edgeTypes[this.edgeType[index]!];
      if (kind !== 'element' && kind !== 'hidden' && this.strings[this.edgeName[index]!] === name)
        return this.edgeTo[index]!;
    }
    return -1;
  }

  /** `name file:line` of a closure (the file as its script names it, shortened to the repository). */
  where(closure: number): string {
    const shared = this.child(closure, 'shared');
    const script = shared >= 0 ? this.child(shared, 'script') : -1;
    const name = script >= 0 ? this.child(script, 'name') : -1;
    const file = name >= 0 ? shortFile(this.nodeName(name)) : '?';
    const line = this.line[closure]!;
    return `${this.nodeName(closure) || '(anonymous)'} ${file}${line >= 0 ? `:${line + 1}` : ''}`;
  }

  /** The variables a closure's context holds (its own scope's, not the outer ones). */
  contextVariables(closure: number): string[] {
    const context = this.child(closure, 'context');
    if (context < 0) return [];
    const names: string[] = [];
    for (let index = this.firstEdge[context]!; index < this.firstEdge[context + 1]!; index++)
      if (this.edgeTypes[this.edgeType[index]!] === 'context')
        names.push(this.strings[this.edgeName[index]!]!);
    return names;
  }

  /** What the report groups by: constructor, `closure name`, `(string)`, `store of Owner`, … */
  key(node: number): string {
    this.#keys ??= new Array(this.nodeCount);
    const known = this.#keys[node];
    if (known !== undefined) return known;
    const computed = this.#computeKey(node, 0);
    this.#keys[node] = computed;
    return computed;
  }

  #computeKey(node: number, depth: number): string {
    const type = this.nodeType(node);
    const name = this.nodeName(node);
    const owner = this.owner[node]!;
    if (owner >= 0 && depth < 3) return `${storeName(name || type)} of ${this.#computeKey(owner, depth + 1)}`;
    switch (type) {
      case 'object':
        return name;
      case 'closure':
        return `closure ${name || '(anonymous)'}`;
      case 'native':
        return `native ${name}`;
      case 'string':
      case 'concatenated string':
      case 'sliced string':
        return '(string)';
      case 'number':
        return '(heap number)';
      case 'code':
        return '(code)';
      case 'object shape':
        return '(shape)';
      default:
        return `(${type}) ${name}`;
    }
  }

  /** The edges that point at `node` (their indices), and the node each starts from. */
  retainers(node: number): Array<{ edge: number; from: number }> {
    if (!this.#retainerStart) this.#indexRetainers();
    const start = this.#retainerStart!;
    const result: Array<{ edge: number; from: number }> = [];
    for (let at = start[node]!; at < start[node + 1]!; at++) {
      const edge = this.#retainerEdge![at]!;
      result.push({ edge, from: this.#edgeFrom![edge]! });
    }
    return result;
  }

  #indexRetainers(): void {
    const edgeCount = this.edgeTo.length;
    const from = new Uint32Array(edgeCount);
    const start = new Uint32Array(this.nodeCount + 1);
    for (let node = 0; node < this.nodeCount; node++) {
      for (let index = this.firstEdge[node]!; index < this.firstEdge[node + 1]!; index++) {
        from[index] = node;
        start[this.edgeTo[index]! + 1]!++;
      }
    }
    for (let node = 0; node < this.nodeCount; node++) start[node + 1] = start[node + 1]! + start[node]!;
    const fill = start.slice(0, this.nodeCount);
    const edges = new Uint32Array(edgeCount);
    for (let index = 0; index < edgeCount; index++) edges[fill[this.edgeTo[index]!]!++] = index;
    this.#edgeFrom = from;
    this.#retainerStart = start;
    this.#retainerEdge = edges;
  }

  /** Immediate dominator of every node (the root dominates itself; unreachable nodes: -1). */
  get idom(): Int32Array {
    if (!this.#idom) this.#computeDominators();
    return this.#idom!;
  }

  get retained(): Float64Array {
    if (!this.#retained) this.#computeDominators();
    return this.#retained!;
  }

  #computeDominators(): void {
    const count = this.nodeCount;
    const weak = this.edgeTypes.indexOf('weak');
    const strong = (index: number) => this.edgeType[index] !== weak;
    // Post-order of a depth-first walk from the root (node 0) over strong edges.
    const order = new Int32Array(count).fill(-1); // post-order number by node
    const byOrder = new Int32Array(count); // node by post-order number
    const next = new Uint32Array(count); // next edge to look at, by node
    const stack = new Int32Array(count);
    const visited = new Uint8Array(count);
    let top = 0;
    let numbered = 0;
    stack[top++] = 0;
    visited[0] = 1;
    next[0] = this.firstEdge[0]!;
    while (top > 0) {
      const node = stack[top - 1]!;
      const end = this.firstEdge[node + 1]!;
      let pushed = false;
      while (next[node]! < end) {
        const index = next[node]!++;
        if (!strong(index)) continue;
        const to = this.edgeTo[index]!;
        if (visited[to]) continue;
        visited[to] = 1;
        next[to] = this.firstEdge[to]!;
        stack[top++] = to;
        pushed = true;
        break;
      }
      if (!pushed) {
        top--;
        order[node] = numbered;
        byOrder[numbered++] = node;
      }
    }
    // Predecessors over strong edges, as post-order numbers (CSR).
    const predStart = new Uint32Array(numbered + 1);
    for (let node = 0; node < count; node++) {
      if (order[node] === -1) continue;
      for (let index = this.firstEdge[node]!; index < this.firstEdge[node + 1]!; index++) {
        if (!strong(index)) continue;
        const to = order[this.edgeTo[index]!]!;
        if (to >= 0) predStart[to + 1]!++;
      }
    }
    for (let index = 0; index < numbered; index++)
      predStart[index + 1] = predStart[index + 1]! + predStart[index]!;
    const preds = new Int32Array(predStart[numbered]!);
    const fill = predStart.slice(0, numbered);
    for (let node = 0; node < count; node++) {
      const from = order[node]!;
      if (from === -1) continue;
      for (let index = this.firstEdge[node]!; index < this.firstEdge[node + 1]!; index++) {
        if (!strong(index)) continue;
        const to = order[this.edgeTo[index]!]!;
        if (to >= 0) preds[fill[to]!++] = from;
      }
    }
    const root = numbered - 1;
    const doms = new Int32Array(numbered).fill(-1);
    doms[root] = root;
    const intersect = (a: number, b: number) => {
      let left = a;
      let right = b;
      while (left !== right) {
        while (left < right) left = doms[left]!;
        while (right < left) right = doms[right]!;
      }
      return left;
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (let at = root - 1; at >= 0; at--) {
        let chosen = -1;
        for (let index = predStart[at]!; index < predStart[at + 1]!; index++) {
          const pred = preds[index]!;
          if (doms[pred] === -1) continue;
          chosen = chosen === -1 ? pred : intersect(pred, chosen);
        }
        if (chosen !== -1 && doms[at] !== chosen) {
          doms[at] = chosen;
          changed = true;
        }
      }
    }
    const idom = new Int32Array(count).fill(-1);
    const retained = new Float64Array(count);
    for (let at = 0; at < numbered; at++) {
      const node = byOrder[at]!;
      idom[node] = byOrder[doms[at]!]!;
      const size = retained[node]! + this.selfSize[node]!;
      retained[node] = size;
      if (at !== root) retained[idom[node]!] = retained[idom[node]!]! + size;
    }
    this.#idom = idom;
    this.#retained = retained;
  }
}

function shortFile(url: string): string {
  const at = url.search(/\/(packages|apps|bench)\//);
  if (at >= 0) return url.slice(at + 1);
  const modules = url.lastIndexOf('/node_modules/');
  return modules >= 0 ? url.slice(modules + '/node_modules/'.length) : url;
}

function storeName(name: string): string {
  if (name.startsWith('system / ')) return name.slice('system / '.length);
  return name.replace(/^\((.*)\)$/, '$1');
}
