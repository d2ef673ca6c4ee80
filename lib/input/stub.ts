// Stub libraries (lld StubFile, docs/WebAssembly.rst): a text file starting with `#STUB` that
// names symbols the embedder provides, each with the symbols it needs the module to export:
//
//   #STUB
//   # comment
//   foo: bar, baz
//
// An undefined `foo` is then imported, and `bar` and `baz` are exported (extracted if lazy).

export interface StubFile {
  /** The path as given, for messages. */
  readonly name: string;
  /** Stub symbol -> the symbols it depends on. In file order (lld: a DenseMap, see README). */
  readonly deps: Map<string, string[]>;
}

/** StringRef::trim(): the C whitespace set, not JavaScript's Unicode one. */
function trimC(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

/** StringRef::trim(' '). */
function trimSpaces(s: string): string {
  return s.replace(/^ +| +$/g, '');
}

export function parseStub(name: string, bytes: Uint8Array): StubFile {
  const deps = new Map<string, string[]>();
  for (const raw of new TextDecoder().decode(bytes).split('\n')) {
    const line = trimC(raw);
    if (line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const sym = trimSpaces(colon < 0 ? line : line.slice(0, colon));
    let rest = colon < 0 ? '' : trimSpaces(line.slice(colon + 1));
    const list: string[] = [];
    // A repeated symbol starts over (lld assigns a new list), keeping its first position.
    deps.set(sym, list);
    while (rest.length) {
      const comma = rest.indexOf(',');
      list.push(trimSpaces(comma < 0 ? rest : rest.slice(0, comma)));
      rest = comma < 0 ? '' : rest.slice(comma + 1);
    }
  }
  return { name, deps };
}
