/**
 * Symbol demangler producing the same text as LLVM's `llvm::demangle()`
 * (LLVM 22.1), which is what wasm-ld uses for the `name` section and for its
 * diagnostics.
 *
 * This is a TypeScript port of the design of LLVM's demanglers
 * (llvm/include/llvm/Demangle/ItaniumDemangle.h, llvm/lib/Demangle/*.cpp,
 * part of the LLVM Project, Apache-2.0 WITH LLVM-exception): for Itanium C++
 * names a recursive-descent parser builds a small node tree and the nodes
 * print themselves with the same printLeft/printRight rules, so spacing,
 * parenthesization and quirks are LLVM's. Rust v0 names (`_R...`) are
 * demangled by a port of LLVM's RustDemangle.cpp.
 *
 * What `demangle()` does, like llvm::demangle():
 *  - a name with 1-4 leading underscores then `Z` (`_Z`, `__Z`, and the
 *    `___Z..._block_invoke` forms) is demangled as Itanium, `_R...` as Rust v0;
 *    a leading `.` is kept (`._Z3foov` -> `.foo()`); if that fails and the name
 *    starts with `_`, the same is tried without that underscore;
 *  - anything that does not demangle is returned unchanged.
 *
 * Behaviour that follows LLVM 22.1 specifically: `>`/`>>` in expressions are
 * parenthesized unless already inside parentheses within template arguments
 * (`decltype((1 > 2))`, `f<(int)(g<1 > 2>())>`), `_BitInt` types are
 * substitutable, and `__alloc_token_...` names are not demangled.
 *
 * Known differences from llvm::demangle (none occur in C, C++ or Rust
 * compiled for wasm):
 *  - Microsoft manglings (`?...`, and `.<type>` RTTI names such as `.H`) and D
 *    manglings (`_D...`, except `_Dmain` -> `D main`) are returned unchanged,
 *    where LLVM demangles them.
 *  - Float literals in template arguments print like glibc's `%a` on an x86-64
 *    host (native wasm-ld-22); `long double` (`Le...E`) is the x87 80-bit format.
 *    LLVM built for WASI (@yowasp/clang) differs there: it normalizes subnormal
 *    doubles and cannot print long double at all.
 *  - Nesting thousands of levels deep (`PPPP...i`) overflows the JS stack
 *    before LLVM's 8 MB native stack; such names come back unchanged.
 *  - Names are handled as UTF-8 bytes (source-name lengths count bytes); output
 *    that is not valid UTF-8 (a length splitting a multi-byte character, or a
 *    string-literal template argument with bytes >= 0x80) comes back with U+FFFD.
 *
 * Test corpus and its generator: test/fixtures/demangle/ (gen-corpus.mjs).
 */

// ---------------------------------------------------------------------------
// Output buffer
// ---------------------------------------------------------------------------

const UINT_MAX = 0xffffffff;

class OutputBuffer {
  s = '';
  /** If a ParameterPackExpansion is being printed, the index into the pack. */
  currentPackIndex = UINT_MAX;
  currentPackMax = UINT_MAX;
  /** The depth of '(' and ')' inside the currently printed template arguments. */
  parenDepth = 0;
  /** True while printing template arguments. */
  insideTemplate = false;

  isInParensInTemplateArgs(): boolean {
    return this.parenDepth > 0;
  }
  printOpen(c = '('): void {
    if (this.insideTemplate) this.parenDepth++;
    this.s += c;
  }
  printClose(c = ')'): void {
    if (this.insideTemplate) this.parenDepth--;
    this.s += c;
  }
  add(str: string): void {
    this.s += str;
  }
  getCurrentPosition(): number {
    return this.s.length;
  }
  setCurrentPosition(n: number): void {
    if (n < this.s.length) this.s = this.s.slice(0, n);
  }
  back(): string {
    return this.s.length ? this.s[this.s.length - 1]! : '\0';
  }
  printLeft(n: Node): void {
    n.printLeft(this);
  }
  printRight(n: Node): void {
    n.printRight(this);
  }
}

// ---------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------

const enum Cache {
  Yes,
  No,
  Unknown,
}

const enum Prec {
  Primary,
  Postfix,
  Unary,
  Cast,
  PtrMem,
  Multiplicative,
  Additive,
  Shift,
  Spaceship,
  Relational,
  Equality,
  And,
  Xor,
  Ior,
  AndIf,
  OrIf,
  Conditional,
  Assign,
  Comma,
  Default,
}

const QualNone = 0;
const QualConst = 1;
const QualVolatile = 2;
const QualRestrict = 4;

const FrefQualNone = 0;
const FrefQualLValue = 1;
const FrefQualRValue = 2;

abstract class Node {
  prec: Prec;
  rhsCache: Cache;
  arrayCache: Cache;
  functionCache: Cache;

  constructor(prec: Prec = Prec.Primary, rhs: Cache = Cache.No, arr: Cache = Cache.No, fn: Cache = Cache.No) {
    this.prec = prec;
    this.rhsCache = rhs;
    this.arrayCache = arr;
    this.functionCache = fn;
  }

  hasRHSComponent(ob: OutputBuffer): boolean {
    if (this.rhsCache !== Cache.Unknown) return this.rhsCache === Cache.Yes;
    return this.hasRHSComponentSlow(ob);
  }
  hasArray(ob: OutputBuffer): boolean {
    if (this.arrayCache !== Cache.Unknown) return this.arrayCache === Cache.Yes;
    return this.hasArraySlow(ob);
  }
  hasFunction(ob: OutputBuffer): boolean {
    if (this.functionCache !== Cache.Unknown) return this.functionCache === Cache.Yes;
    return this.hasFunctionSlow(ob);
  }
  hasRHSComponentSlow(_ob: OutputBuffer): boolean {
    return false;
  }
  hasArraySlow(_ob: OutputBuffer): boolean {
    return false;
  }
  hasFunctionSlow(_ob: OutputBuffer): boolean {
    return false;
  }

  /** Digs through "glue" nodes like ParameterPack and ForwardTemplateReference. */
  getSyntaxNode(_ob: OutputBuffer): Node {
    return this;
  }

  /** Prints this node as an expression operand, parenthesized if its precedence is [strictly] worse than p. */
  printAsOperand(ob: OutputBuffer, p: Prec = Prec.Default, strictlyWorse = false): void {
    const paren = this.prec >= p + (strictlyWorse ? 1 : 0);
    if (paren) ob.printOpen();
    this.print(ob);
    if (paren) ob.printClose();
  }

  print(ob: OutputBuffer): void {
    ob.printLeft(this);
    if (this.rhsCache !== Cache.No) ob.printRight(this);
  }

  printInitListAsType(_ob: OutputBuffer, _elements: Node[]): boolean {
    return false;
  }

  getBaseName(): string {
    return '';
  }

  abstract printLeft(ob: OutputBuffer): void;
  printRight(_ob: OutputBuffer): void {}
}

function printWithComma(ob: OutputBuffer, elements: Node[]): void {
  let firstElement = true;
  for (const e of elements) {
    const beforeComma = ob.getCurrentPosition();
    if (!firstElement) ob.add(', ');
    const afterComma = ob.getCurrentPosition();
    e.printAsOperand(ob, Prec.Comma);
    // An empty parameter pack expansion: erase the comma we just printed.
    if (afterComma === ob.getCurrentPosition()) {
      ob.setCurrentPosition(beforeComma);
      continue;
    }
    firstElement = false;
  }
}

const HEX_UPPER = '0123456789ABCDEF';

/** Prints an array of integer literals as a string literal; returns whether that was possible. */
function printAsString(ob: OutputBuffer, elements: Node[]): boolean {
  const startPos = ob.getCurrentPosition();
  const fail = (): boolean => {
    ob.setCurrentPosition(startPos);
    return false;
  };
  ob.add('"');
  let lastWasNumericEscape = false;
  for (const element of elements) {
    if (!(element instanceof IntegerLiteral)) return fail();
    let v = 0;
    for (const c of element.value) {
      if (c < '0' || c > '9' || v > 25) return fail();
      v = v * 10 + (c.charCodeAt(0) - 48);
    }
    if (v > 255) return fail();
    // Insert a `""` to avoid accidentally extending a numeric escape.
    if (lastWasNumericEscape) {
      if ((v >= 48 && v <= 57) || (v >= 97 && v <= 102) || (v >= 65 && v <= 70)) ob.add('""');
    }
    lastWasNumericEscape = false;
    switch (v) {
      case 7:
        ob.add('\\a');
        break;
      case 8:
        ob.add('\\b');
        break;
      case 12:
        ob.add('\\f');
        break;
      case 10:
        ob.add('\\n');
        break;
      case 13:
        ob.add('\\r');
        break;
      case 9:
        ob.add('\\t');
        break;
      case 11:
        ob.add('\\v');
        break;
      case 34:
        ob.add('\\"');
        break;
      case 92:
        ob.add('\\\\');
        break;
      default:
        if (v < 32 || v === 127) {
          ob.add('\\');
          if (v > 7) ob.add('x');
          if (v >= 16) ob.add(HEX_UPPER[v >> 4]!);
          ob.add(HEX_UPPER[v & 0xf]!);
          lastWasNumericEscape = true;
          break;
        }
        ob.add(String.fromCharCode(v));
        break;
    }
  }
  ob.add('"');
  return true;
}

class NodeArrayNode extends Node {
  constructor(readonly array: Node[]) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    printWithComma(ob, this.array);
  }
}

class DotSuffix extends Node {
  constructor(readonly prefix: Node, readonly suffix: string) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    this.prefix.print(ob);
    ob.add(' (');
    ob.add(this.suffix);
    ob.add(')');
  }
}

class VendorExtQualType extends Node {
  constructor(readonly ty: Node, readonly ext: string, readonly ta: Node | null) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    this.ty.print(ob);
    ob.add(' ');
    ob.add(this.ext);
    if (this.ta !== null) this.ta.print(ob);
  }
}

class QualType extends Node {
  constructor(readonly child: Node, readonly quals: number) {
    super(Prec.Primary, child.rhsCache, child.arrayCache, child.functionCache);
  }
  printQuals(ob: OutputBuffer): void {
    if (this.quals & QualConst) ob.add(' const');
    if (this.quals & QualVolatile) ob.add(' volatile');
    if (this.quals & QualRestrict) ob.add(' restrict');
  }
  override hasRHSComponentSlow(ob: OutputBuffer): boolean {
    return this.child.hasRHSComponent(ob);
  }
  override hasArraySlow(ob: OutputBuffer): boolean {
    return this.child.hasArray(ob);
  }
  override hasFunctionSlow(ob: OutputBuffer): boolean {
    return this.child.hasFunction(ob);
  }
  printLeft(ob: OutputBuffer): void {
    ob.printLeft(this.child);
    this.printQuals(ob);
  }
  override printRight(ob: OutputBuffer): void {
    ob.printRight(this.child);
  }
}

class ConversionOperatorType extends Node {
  constructor(readonly ty: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('operator ');
    this.ty.print(ob);
  }
}

class PostfixQualifiedType extends Node {
  constructor(readonly ty: Node, readonly postfix: string) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.printLeft(this.ty);
    ob.add(this.postfix);
  }
}

class NameType extends Node {
  constructor(readonly name: string) {
    super();
  }
  override getBaseName(): string {
    return this.name;
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.name);
  }
}

class BitIntType extends Node {
  constructor(readonly size: Node, readonly signed: boolean) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    if (!this.signed) ob.add('unsigned ');
    ob.add('_BitInt');
    ob.printOpen();
    this.size.printAsOperand(ob);
    ob.printClose();
  }
}

class ElaboratedTypeSpefType extends Node {
  constructor(readonly kindName: string, readonly child: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.kindName);
    ob.add(' ');
    this.child.print(ob);
  }
}

class TransformedType extends Node {
  constructor(readonly transform: string, readonly baseType: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.transform);
    ob.add('(');
    this.baseType.print(ob);
    ob.add(')');
  }
}

class AbiTagAttr extends Node {
  constructor(readonly base: Node, readonly tag: string) {
    super(Prec.Primary, base.rhsCache, base.arrayCache, base.functionCache);
  }
  override getBaseName(): string {
    return this.base.getBaseName();
  }
  printLeft(ob: OutputBuffer): void {
    ob.printLeft(this.base);
    ob.add('[abi:');
    ob.add(this.tag);
    ob.add(']');
  }
}

class EnableIfAttr extends Node {
  constructor(readonly conditions: Node[]) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(' [enable_if:');
    printWithComma(ob, this.conditions);
    ob.add(']');
  }
}

class ObjCProtoName extends Node {
  constructor(readonly ty: Node, readonly protocol: string) {
    super();
  }
  isObjCObject(): boolean {
    return this.ty instanceof NameType && this.ty.name === 'objc_object';
  }
  printLeft(ob: OutputBuffer): void {
    this.ty.print(ob);
    ob.add('<');
    ob.add(this.protocol);
    ob.add('>');
  }
}

class PointerType extends Node {
  constructor(readonly pointee: Node) {
    super(Prec.Primary, pointee.rhsCache);
  }
  override hasRHSComponentSlow(ob: OutputBuffer): boolean {
    return this.pointee.hasRHSComponent(ob);
  }
  printLeft(ob: OutputBuffer): void {
    const p = this.pointee;
    // We rewrite objc_object<SomeProtocol>* into id<SomeProtocol>.
    if (!(p instanceof ObjCProtoName) || !p.isObjCObject()) {
      ob.printLeft(p);
      if (p.hasArray(ob)) ob.add(' ');
      if (p.hasArray(ob) || p.hasFunction(ob)) ob.add('(');
      ob.add('*');
    } else {
      ob.add('id<');
      ob.add(p.protocol);
      ob.add('>');
    }
  }
  override printRight(ob: OutputBuffer): void {
    const p = this.pointee;
    if (!(p instanceof ObjCProtoName) || !p.isObjCObject()) {
      if (p.hasArray(ob) || p.hasFunction(ob)) ob.add(')');
      ob.printRight(p);
    }
  }
}

const RefLValue = 0;
const RefRValue = 1;

class ReferenceType extends Node {
  printing = false;
  constructor(readonly pointee: Node, readonly rk: number) {
    super(Prec.Primary, pointee.rhsCache);
  }

  // Dig through any refs to refs, collapsing the ReferenceTypes as we go. An
  // rvalue ref to an rvalue ref collapses to an rvalue ref, any other
  // combination to an lvalue ref. Cycles (from ill-formed input) are detected.
  collapse(ob: OutputBuffer): [number, Node | null] {
    let rk = this.rk;
    let node: Node | null = this.pointee;
    const prev: Node[] = [];
    for (;;) {
      const sn: Node = node!.getSyntaxNode(ob);
      if (!(sn instanceof ReferenceType)) break;
      node = sn.pointee;
      rk = Math.min(rk, sn.rk);
      prev.push(node);
      if (prev.length > 1 && node === prev[(prev.length - 1) >> 1]) {
        node = null;
        break;
      }
    }
    return [rk, node];
  }

  override hasRHSComponentSlow(ob: OutputBuffer): boolean {
    return this.pointee.hasRHSComponent(ob);
  }

  printLeft(ob: OutputBuffer): void {
    if (this.printing) return;
    this.printing = true;
    try {
      const [rk, n] = this.collapse(ob);
      if (!n) return;
      ob.printLeft(n);
      if (n.hasArray(ob)) ob.add(' ');
      if (n.hasArray(ob) || n.hasFunction(ob)) ob.add('(');
      ob.add(rk === RefLValue ? '&' : '&&');
    } finally {
      this.printing = false;
    }
  }
  override printRight(ob: OutputBuffer): void {
    if (this.printing) return;
    this.printing = true;
    try {
      const [, n] = this.collapse(ob);
      if (!n) return;
      if (n.hasArray(ob) || n.hasFunction(ob)) ob.add(')');
      ob.printRight(n);
    } finally {
      this.printing = false;
    }
  }
}

class PointerToMemberType extends Node {
  constructor(readonly classType: Node, readonly memberType: Node) {
    super(Prec.Primary, memberType.rhsCache);
  }
  override hasRHSComponentSlow(ob: OutputBuffer): boolean {
    return this.memberType.hasRHSComponent(ob);
  }
  printLeft(ob: OutputBuffer): void {
    const m = this.memberType;
    ob.printLeft(m);
    if (m.hasArray(ob) || m.hasFunction(ob)) ob.add('(');
    else ob.add(' ');
    this.classType.print(ob);
    ob.add('::*');
  }
  override printRight(ob: OutputBuffer): void {
    const m = this.memberType;
    if (m.hasArray(ob) || m.hasFunction(ob)) ob.add(')');
    ob.printRight(m);
  }
}

class ArrayType extends Node {
  constructor(readonly base: Node, readonly dimension: Node | null) {
    super(Prec.Primary, Cache.Yes, Cache.Yes);
  }
  override hasRHSComponentSlow(): boolean {
    return true;
  }
  override hasArraySlow(): boolean {
    return true;
  }
  printLeft(ob: OutputBuffer): void {
    ob.printLeft(this.base);
  }
  override printRight(ob: OutputBuffer): void {
    if (ob.back() !== ']') ob.add(' ');
    ob.add('[');
    if (this.dimension) this.dimension.print(ob);
    ob.add(']');
    ob.printRight(this.base);
  }
  override printInitListAsType(ob: OutputBuffer, elements: Node[]): boolean {
    if (this.base instanceof NameType && this.base.name === 'char') return printAsString(ob, elements);
    return false;
  }
}

function printCVRef(ob: OutputBuffer, cv: number, ref: number): void {
  if (cv & QualConst) ob.add(' const');
  if (cv & QualVolatile) ob.add(' volatile');
  if (cv & QualRestrict) ob.add(' restrict');
  if (ref === FrefQualLValue) ob.add(' &');
  else if (ref === FrefQualRValue) ob.add(' &&');
}

class FunctionType extends Node {
  constructor(
    readonly ret: Node,
    readonly params: Node[],
    readonly cvQuals: number,
    readonly refQual: number,
    readonly exceptionSpec: Node | null,
  ) {
    super(Prec.Primary, Cache.Yes, Cache.No, Cache.Yes);
  }
  override hasRHSComponentSlow(): boolean {
    return true;
  }
  override hasFunctionSlow(): boolean {
    return true;
  }
  // Handle C++'s quirky declarator grammar with the left/right distinction:
  // print the return type's left, then our parameters, then the return type's right.
  printLeft(ob: OutputBuffer): void {
    ob.printLeft(this.ret);
    ob.add(' ');
  }
  override printRight(ob: OutputBuffer): void {
    ob.printOpen();
    printWithComma(ob, this.params);
    ob.printClose();
    ob.printRight(this.ret);
    printCVRef(ob, this.cvQuals, this.refQual);
    if (this.exceptionSpec !== null) {
      ob.add(' ');
      this.exceptionSpec.print(ob);
    }
  }
}

class NoexceptSpec extends Node {
  constructor(readonly e: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('noexcept');
    ob.printOpen();
    this.e.printAsOperand(ob);
    ob.printClose();
  }
}

class DynamicExceptionSpec extends Node {
  constructor(readonly types: Node[]) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('throw');
    ob.printOpen();
    printWithComma(ob, this.types);
    ob.printClose();
  }
}

class ExplicitObjectParameter extends Node {
  constructor(readonly base: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('this ');
    this.base.print(ob);
  }
}

class FunctionEncoding extends Node {
  constructor(
    readonly ret: Node | null,
    readonly name: Node,
    readonly params: Node[],
    readonly attrs: Node | null,
    readonly requires: Node | null,
    readonly cvQuals: number,
    readonly refQual: number,
  ) {
    super(Prec.Primary, Cache.Yes, Cache.No, Cache.Yes);
  }
  override hasRHSComponentSlow(): boolean {
    return true;
  }
  override hasFunctionSlow(): boolean {
    return true;
  }
  printLeft(ob: OutputBuffer): void {
    if (this.ret) {
      ob.printLeft(this.ret);
      if (!this.ret.hasRHSComponent(ob)) ob.add(' ');
    }
    this.name.print(ob);
  }
  override printRight(ob: OutputBuffer): void {
    ob.printOpen();
    printWithComma(ob, this.params);
    ob.printClose();
    if (this.ret) ob.printRight(this.ret);
    printCVRef(ob, this.cvQuals, this.refQual);
    if (this.attrs !== null) this.attrs.print(ob);
    if (this.requires !== null) {
      ob.add(' requires ');
      this.requires.print(ob);
    }
  }
}

class LiteralOperator extends Node {
  constructor(readonly opName: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('operator"" ');
    this.opName.print(ob);
  }
}

class SpecialName extends Node {
  constructor(readonly special: string, readonly child: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.special);
    this.child.print(ob);
  }
}

class CtorVtableSpecialName extends Node {
  constructor(readonly firstType: Node, readonly secondType: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('construction vtable for ');
    this.firstType.print(ob);
    ob.add('-in-');
    this.secondType.print(ob);
  }
}

class NestedName extends Node {
  constructor(readonly qual: Node, readonly name: Node) {
    super();
  }
  override getBaseName(): string {
    return this.name.getBaseName();
  }
  printLeft(ob: OutputBuffer): void {
    this.qual.print(ob);
    ob.add('::');
    this.name.print(ob);
  }
}

class MemberLikeFriendName extends Node {
  constructor(readonly qual: Node, readonly name: Node) {
    super();
  }
  override getBaseName(): string {
    return this.name.getBaseName();
  }
  printLeft(ob: OutputBuffer): void {
    this.qual.print(ob);
    ob.add('::friend ');
    this.name.print(ob);
  }
}

class ModuleName extends Node {
  constructor(readonly parent: ModuleName | null, readonly name: Node, readonly isPartition = false) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    if (this.parent) this.parent.print(ob);
    if (this.parent || this.isPartition) ob.add(this.isPartition ? ':' : '.');
    this.name.print(ob);
  }
}

class ModuleEntity extends Node {
  constructor(readonly module: ModuleName, readonly name: Node) {
    super();
  }
  override getBaseName(): string {
    return this.name.getBaseName();
  }
  printLeft(ob: OutputBuffer): void {
    this.name.print(ob);
    ob.add('@');
    this.module.print(ob);
  }
}

class LocalName extends Node {
  constructor(readonly encoding: Node, readonly entity: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    this.encoding.print(ob);
    ob.add('::');
    this.entity.print(ob);
  }
}

class QualifiedName extends Node {
  constructor(readonly qualifier: Node, readonly name: Node) {
    super();
  }
  override getBaseName(): string {
    return this.name.getBaseName();
  }
  printLeft(ob: OutputBuffer): void {
    this.qualifier.print(ob);
    ob.add('::');
    this.name.print(ob);
  }
}

class VectorType extends Node {
  constructor(readonly baseType: Node, readonly dimension: Node | null) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    this.baseType.print(ob);
    ob.add(' vector[');
    if (this.dimension) this.dimension.print(ob);
    ob.add(']');
  }
}

class PixelVectorType extends Node {
  constructor(readonly dimension: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('pixel vector[');
    this.dimension.print(ob);
    ob.add(']');
  }
}

class BinaryFPType extends Node {
  constructor(readonly dimension: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('_Float');
    this.dimension.print(ob);
  }
}

const TPKType = 0;
const TPKNonType = 1;
const TPKTemplate = 2;

/** An invented name for a template parameter for which we have no template argument. */
class SyntheticTemplateParamName extends Node {
  constructor(readonly tpKind: number, readonly index: number) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.tpKind === TPKType ? '$T' : this.tpKind === TPKNonType ? '$N' : '$TT');
    if (this.index > 0) ob.add(String(this.index - 1));
  }
}

class TemplateParamQualifiedArg extends Node {
  constructor(readonly param: Node, readonly arg: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    // Don't print Param to keep the output consistent.
    this.arg.print(ob);
  }
}

class TypeTemplateParamDecl extends Node {
  constructor(readonly name: Node) {
    super(Prec.Primary, Cache.Yes);
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('typename ');
  }
  override printRight(ob: OutputBuffer): void {
    this.name.print(ob);
  }
}

class ConstrainedTypeTemplateParamDecl extends Node {
  constructor(readonly constraint: Node, readonly name: Node) {
    super(Prec.Primary, Cache.Yes);
  }
  printLeft(ob: OutputBuffer): void {
    this.constraint.print(ob);
    ob.add(' ');
  }
  override printRight(ob: OutputBuffer): void {
    this.name.print(ob);
  }
}

class NonTypeTemplateParamDecl extends Node {
  constructor(readonly name: Node, readonly type: Node) {
    super(Prec.Primary, Cache.Yes);
  }
  printLeft(ob: OutputBuffer): void {
    ob.printLeft(this.type);
    if (!this.type.hasRHSComponent(ob)) ob.add(' ');
  }
  override printRight(ob: OutputBuffer): void {
    this.name.print(ob);
    ob.printRight(this.type);
  }
}

class TemplateTemplateParamDecl extends Node {
  constructor(readonly name: Node, readonly params: Node[], readonly requires: Node | null) {
    super(Prec.Primary, Cache.Yes);
  }
  printLeft(ob: OutputBuffer): void {
    const saved = ob.insideTemplate;
    ob.insideTemplate = true;
    ob.add('template<');
    printWithComma(ob, this.params);
    ob.add('> typename ');
    ob.insideTemplate = saved;
  }
  override printRight(ob: OutputBuffer): void {
    this.name.print(ob);
    if (this.requires !== null) {
      ob.add(' requires ');
      this.requires.print(ob);
    }
  }
}

class TemplateParamPackDecl extends Node {
  constructor(readonly param: Node) {
    super(Prec.Primary, Cache.Yes);
  }
  printLeft(ob: OutputBuffer): void {
    ob.printLeft(this.param);
    ob.add('...');
  }
  override printRight(ob: OutputBuffer): void {
    ob.printRight(this.param);
  }
}

/**
 * An unexpanded parameter pack (in an expression or type context); stored in
 * the template-parameter table when <template-args> of an <encoding> hold a pack.
 */
class ParameterPack extends Node {
  constructor(readonly data: Node[]) {
    super(Prec.Primary, Cache.Unknown, Cache.Unknown, Cache.Unknown);
    if (data.every((p) => p.arrayCache === Cache.No)) this.arrayCache = Cache.No;
    if (data.every((p) => p.functionCache === Cache.No)) this.functionCache = Cache.No;
    if (data.every((p) => p.rhsCache === Cache.No)) this.rhsCache = Cache.No;
  }
  initializePackExpansion(ob: OutputBuffer): void {
    if (ob.currentPackMax === UINT_MAX) {
      ob.currentPackMax = this.data.length;
      ob.currentPackIndex = 0;
    }
  }
  override hasRHSComponentSlow(ob: OutputBuffer): boolean {
    this.initializePackExpansion(ob);
    const idx = ob.currentPackIndex;
    return idx < this.data.length && this.data[idx]!.hasRHSComponent(ob);
  }
  override hasArraySlow(ob: OutputBuffer): boolean {
    this.initializePackExpansion(ob);
    const idx = ob.currentPackIndex;
    return idx < this.data.length && this.data[idx]!.hasArray(ob);
  }
  override hasFunctionSlow(ob: OutputBuffer): boolean {
    this.initializePackExpansion(ob);
    const idx = ob.currentPackIndex;
    return idx < this.data.length && this.data[idx]!.hasFunction(ob);
  }
  override getSyntaxNode(ob: OutputBuffer): Node {
    this.initializePackExpansion(ob);
    const idx = ob.currentPackIndex;
    return idx < this.data.length ? this.data[idx]!.getSyntaxNode(ob) : this;
  }
  printLeft(ob: OutputBuffer): void {
    this.initializePackExpansion(ob);
    const idx = ob.currentPackIndex;
    if (idx < this.data.length) ob.printLeft(this.data[idx]!);
  }
  override printRight(ob: OutputBuffer): void {
    this.initializePackExpansion(ob);
    const idx = ob.currentPackIndex;
    if (idx < this.data.length) ob.printRight(this.data[idx]!);
  }
}

/** A variadic template argument: J<something>E in some <template-args>. */
class TemplateArgumentPack extends Node {
  constructor(readonly elements: Node[]) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    printWithComma(ob, this.elements);
  }
}

/** A pack expansion; below it are unexpanded ParameterPacks. */
class ParameterPackExpansion extends Node {
  constructor(readonly child: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    const savedIdx = ob.currentPackIndex;
    const savedMax = ob.currentPackMax;
    ob.currentPackIndex = UINT_MAX;
    ob.currentPackMax = UINT_MAX;
    try {
      const streamPos = ob.getCurrentPosition();
      // Print the first element in the pack. If Child contains a
      // ParameterPack, it will set up CurrentPackMax and print the first element.
      this.child.print(ob);
      // No ParameterPack was found in Child (e.g. a pack expansion on a <function-param>).
      if (ob.currentPackMax === UINT_MAX) {
        ob.add('...');
        return;
      }
      // We found a ParameterPack, but it has no elements: erase what we printed.
      if (ob.currentPackMax === 0) {
        ob.setCurrentPosition(streamPos);
        return;
      }
      for (let i = 1, e = ob.currentPackMax; i < e; ++i) {
        ob.add(', ');
        ob.currentPackIndex = i;
        this.child.print(ob);
      }
    } finally {
      ob.currentPackIndex = savedIdx;
      ob.currentPackMax = savedMax;
    }
  }
}

class TemplateArgs extends Node {
  constructor(readonly params: Node[], readonly requires: Node | null) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    const saved = ob.insideTemplate;
    ob.insideTemplate = true;
    ob.add('<');
    printWithComma(ob, this.params);
    ob.add('>');
    ob.insideTemplate = saved;
    // The requires clause is not printed, to keep the output simple.
  }
}

/**
 * A forward reference to a template argument not yet known where the template
 * parameter was parsed (in the type of a conversion operator template).
 */
class ForwardTemplateReference extends Node {
  ref: Node | null = null;
  printing = false;
  constructor(readonly index: number) {
    super(Prec.Primary, Cache.Unknown, Cache.Unknown, Cache.Unknown);
  }
  private guard<T>(dflt: T, f: () => T): T {
    if (this.printing) return dflt;
    this.printing = true;
    try {
      return f();
    } finally {
      this.printing = false;
    }
  }
  override hasRHSComponentSlow(ob: OutputBuffer): boolean {
    return this.guard(false, () => this.ref!.hasRHSComponent(ob));
  }
  override hasArraySlow(ob: OutputBuffer): boolean {
    return this.guard(false, () => this.ref!.hasArray(ob));
  }
  override hasFunctionSlow(ob: OutputBuffer): boolean {
    return this.guard(false, () => this.ref!.hasFunction(ob));
  }
  override getSyntaxNode(ob: OutputBuffer): Node {
    return this.guard<Node>(this, () => this.ref!.getSyntaxNode(ob));
  }
  printLeft(ob: OutputBuffer): void {
    this.guard(undefined, () => ob.printLeft(this.ref!));
  }
  override printRight(ob: OutputBuffer): void {
    this.guard(undefined, () => ob.printRight(this.ref!));
  }
}

class NameWithTemplateArgs extends Node {
  constructor(readonly name: Node, readonly templateArgs: Node) {
    super();
  }
  override getBaseName(): string {
    return this.name.getBaseName();
  }
  printLeft(ob: OutputBuffer): void {
    this.name.print(ob);
    this.templateArgs.print(ob);
  }
}

class GlobalQualifiedName extends Node {
  constructor(readonly child: Node) {
    super();
  }
  override getBaseName(): string {
    return this.child.getBaseName();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('::');
    this.child.print(ob);
  }
}

const SSK_allocator = 0;
const SSK_basic_string = 1;
const SSK_string = 2;
const SSK_istream = 3;
const SSK_ostream = 4;
const SSK_iostream = 5;
const SSK_NAMES = ['allocator', 'basic_string', 'basic_string', 'basic_istream', 'basic_ostream', 'basic_iostream'];

class ExpandedSpecialSubstitution extends Node {
  constructor(readonly ssk: number) {
    super();
  }
  isInstantiation(): boolean {
    return this.ssk >= SSK_string;
  }
  override getBaseName(): string {
    return SSK_NAMES[this.ssk]!;
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('std::');
    ob.add(this.getBaseName());
    if (this.isInstantiation()) {
      ob.add('<char, std::char_traits<char>');
      if (this.ssk === SSK_string) ob.add(', std::allocator<char>');
      ob.add('>');
    }
  }
}

class SpecialSubstitution extends ExpandedSpecialSubstitution {
  override getBaseName(): string {
    const sv = SSK_NAMES[this.ssk]!;
    // The instantiations are typedefs that drop the "basic_" prefix.
    return this.isInstantiation() ? sv.slice(6) : sv;
  }
  override printLeft(ob: OutputBuffer): void {
    ob.add('std::');
    ob.add(this.getBaseName());
  }
}

class CtorDtorName extends Node {
  constructor(readonly basename: Node, readonly isDtor: boolean, readonly variant: number) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    if (this.isDtor) ob.add('~');
    ob.add(this.basename.getBaseName());
  }
}

class DtorName extends Node {
  constructor(readonly base: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('~');
    ob.printLeft(this.base);
  }
}

class UnnamedTypeName extends Node {
  constructor(readonly count: string) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add("'unnamed");
    ob.add(this.count);
    ob.add("'");
  }
}

class ClosureTypeName extends Node {
  constructor(
    readonly templateParams: Node[],
    readonly requires1: Node | null,
    readonly params: Node[],
    readonly requires2: Node | null,
    readonly count: string,
  ) {
    super();
  }
  printDeclarator(ob: OutputBuffer): void {
    if (this.templateParams.length) {
      const saved = ob.insideTemplate;
      ob.insideTemplate = true;
      ob.add('<');
      printWithComma(ob, this.templateParams);
      ob.add('>');
      ob.insideTemplate = saved;
    }
    if (this.requires1 !== null) {
      ob.add(' requires ');
      this.requires1.print(ob);
      ob.add(' ');
    }
    ob.printOpen();
    printWithComma(ob, this.params);
    ob.printClose();
    if (this.requires2 !== null) {
      ob.add(' requires ');
      this.requires2.print(ob);
    }
  }
  printLeft(ob: OutputBuffer): void {
    ob.add("'lambda");
    ob.add(this.count);
    ob.add("'");
    this.printDeclarator(ob);
  }
}

class StructuredBindingName extends Node {
  constructor(readonly bindings: Node[]) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.printOpen('[');
    printWithComma(ob, this.bindings);
    ob.printClose(']');
  }
}

// -- Expression nodes --

class BinaryExpr extends Node {
  constructor(readonly lhs: Node, readonly infixOperator: string, readonly rhs: Node, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    const op = this.infixOperator;
    // Parenthesize '>' unless already inside parentheses within template arguments.
    const parenAll = !ob.isInParensInTemplateArgs() && (op === '>' || op === '>>');
    if (parenAll) ob.printOpen();
    // Assignment is right associative, with special LHS precedence.
    const isAssign = this.prec === Prec.Assign;
    this.lhs.printAsOperand(ob, isAssign ? Prec.OrIf : this.prec, !isAssign);
    // No space before comma operator
    if (op !== ',') ob.add(' ');
    ob.add(op);
    ob.add(' ');
    this.rhs.printAsOperand(ob, this.prec, isAssign);
    if (parenAll) ob.printClose();
  }
}

class ArraySubscriptExpr extends Node {
  constructor(readonly op1: Node, readonly op2: Node, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    this.op1.printAsOperand(ob, this.prec);
    ob.printOpen('[');
    this.op2.printAsOperand(ob);
    ob.printClose(']');
  }
}

class PostfixExpr extends Node {
  constructor(readonly child: Node, readonly operator: string, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    this.child.printAsOperand(ob, this.prec, true);
    ob.add(this.operator);
  }
}

class ConditionalExpr extends Node {
  constructor(readonly cond: Node, readonly then: Node, readonly else_: Node, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    this.cond.printAsOperand(ob, this.prec);
    ob.add(' ? ');
    this.then.printAsOperand(ob);
    ob.add(' : ');
    this.else_.printAsOperand(ob, Prec.Assign, true);
  }
}

class MemberExpr extends Node {
  constructor(readonly lhs: Node, readonly kindStr: string, readonly rhs: Node, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    this.lhs.printAsOperand(ob, this.prec, true);
    ob.add(this.kindStr);
    this.rhs.printAsOperand(ob, this.prec, false);
  }
}

class SubobjectExpr extends Node {
  constructor(
    readonly type: Node,
    readonly subExpr: Node,
    readonly offset: string,
    readonly unionSelectors: Node[],
    readonly onePastTheEnd: boolean,
  ) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    this.subExpr.print(ob);
    ob.add('.<');
    this.type.print(ob);
    ob.add(' at offset ');
    if (this.offset === '') ob.add('0');
    else if (this.offset[0] === 'n') {
      ob.add('-');
      ob.add(this.offset.slice(1));
    } else ob.add(this.offset);
    ob.add('>');
  }
}

class EnclosingExpr extends Node {
  constructor(readonly prefix: string, readonly infix: Node, prec: Prec = Prec.Primary) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.prefix);
    ob.printOpen();
    this.infix.print(ob);
    ob.printClose();
  }
}

class CastExpr extends Node {
  constructor(readonly castKind: string, readonly to: Node, readonly from: Node, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.castKind);
    const saved = ob.insideTemplate;
    ob.insideTemplate = true;
    ob.add('<');
    ob.printLeft(this.to);
    ob.add('>');
    ob.insideTemplate = saved;
    ob.printOpen();
    this.from.printAsOperand(ob);
    ob.printClose();
  }
}

class SizeofParamPackExpr extends Node {
  constructor(readonly pack: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('sizeof...');
    ob.printOpen();
    new ParameterPackExpansion(this.pack).printLeft(ob);
    ob.printClose();
  }
}

class CallExpr extends Node {
  constructor(readonly callee: Node, readonly args: Node[], readonly isParen: boolean, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    if (this.isParen) ob.printOpen();
    this.callee.print(ob);
    if (this.isParen) ob.printClose();
    ob.printOpen();
    printWithComma(ob, this.args);
    ob.printClose();
  }
}

class NewExpr extends Node {
  constructor(
    readonly exprList: Node[],
    readonly type: Node,
    readonly initList: Node[],
    readonly isGlobal: boolean,
    readonly isArray: boolean,
    prec: Prec,
  ) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    if (this.isGlobal) ob.add('::');
    ob.add('new');
    if (this.isArray) ob.add('[]');
    if (this.exprList.length) {
      ob.printOpen();
      printWithComma(ob, this.exprList);
      ob.printClose();
    }
    ob.add(' ');
    this.type.print(ob);
    if (this.initList.length) {
      ob.printOpen();
      printWithComma(ob, this.initList);
      ob.printClose();
    }
  }
}

class DeleteExpr extends Node {
  constructor(readonly op: Node, readonly isGlobal: boolean, readonly isArray: boolean, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    if (this.isGlobal) ob.add('::');
    ob.add('delete');
    if (this.isArray) ob.add('[]');
    ob.add(' ');
    this.op.print(ob);
  }
}

class PrefixExpr extends Node {
  constructor(readonly prefix: string, readonly child: Node, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.prefix);
    this.child.printAsOperand(ob, this.prec);
  }
}

class FunctionParam extends Node {
  constructor(readonly number: string) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('fp');
    ob.add(this.number);
  }
}

class ConversionExpr extends Node {
  constructor(readonly type: Node, readonly expressions: Node[], prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    ob.printOpen();
    this.type.print(ob);
    ob.printClose();
    ob.printOpen();
    printWithComma(ob, this.expressions);
    ob.printClose();
  }
}

class PointerToMemberConversionExpr extends Node {
  constructor(readonly type: Node, readonly subExpr: Node, readonly offset: string, prec: Prec) {
    super(prec);
  }
  printLeft(ob: OutputBuffer): void {
    ob.printOpen();
    this.type.print(ob);
    ob.printClose();
    ob.printOpen();
    this.subExpr.print(ob);
    ob.printClose();
  }
}

class InitListExpr extends Node {
  constructor(readonly ty: Node | null, readonly inits: Node[]) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    if (this.ty) {
      if (this.ty.printInitListAsType(ob, this.inits)) return;
      this.ty.print(ob);
    }
    ob.add('{');
    printWithComma(ob, this.inits);
    ob.add('}');
  }
}

class BracedExpr extends Node {
  constructor(readonly elem: Node, readonly init: Node, readonly isArray: boolean) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    if (this.isArray) {
      ob.add('[');
      this.elem.print(ob);
      ob.add(']');
    } else {
      ob.add('.');
      this.elem.print(ob);
    }
    if (!(this.init instanceof BracedExpr) && !(this.init instanceof BracedRangeExpr)) ob.add(' = ');
    this.init.print(ob);
  }
}

class BracedRangeExpr extends Node {
  constructor(readonly first: Node, readonly last: Node, readonly init: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('[');
    this.first.print(ob);
    ob.add(' ... ');
    this.last.print(ob);
    ob.add(']');
    if (!(this.init instanceof BracedExpr) && !(this.init instanceof BracedRangeExpr)) ob.add(' = ');
    this.init.print(ob);
  }
}

class FoldExpr extends Node {
  constructor(
    readonly isLeftFold: boolean,
    readonly operatorName: string,
    readonly pack: Node,
    readonly init: Node | null,
  ) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    const printPack = (): void => {
      ob.printOpen();
      new ParameterPackExpansion(this.pack).print(ob);
      ob.printClose();
    };
    ob.printOpen();
    // Either '[init op ]... op pack' or 'pack op ...[ op init]'
    // Refactored to '[(init|pack) op ]...[ op (pack|init)]'
    // Fold expr operands are cast-expressions
    if (!this.isLeftFold || this.init !== null) {
      if (this.isLeftFold) this.init!.printAsOperand(ob, Prec.Cast, true);
      else printPack();
      ob.add(' ');
      ob.add(this.operatorName);
      ob.add(' ');
    }
    ob.add('...');
    if (this.isLeftFold || this.init !== null) {
      ob.add(' ');
      ob.add(this.operatorName);
      ob.add(' ');
      if (this.isLeftFold) printPack();
      else this.init!.printAsOperand(ob, Prec.Cast, true);
    }
    ob.printClose();
  }
}

class ThrowExpr extends Node {
  constructor(readonly op: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('throw ');
    this.op.print(ob);
  }
}

class BoolExpr extends Node {
  constructor(readonly value: boolean) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(this.value ? 'true' : 'false');
  }
}

class StringLiteral extends Node {
  constructor(readonly type: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('"<');
    this.type.print(ob);
    ob.add('>"');
  }
}

class LambdaExpr extends Node {
  constructor(readonly type: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('[]');
    if (this.type instanceof ClosureTypeName) this.type.printDeclarator(ob);
    ob.add('{...}');
  }
}

class EnumLiteral extends Node {
  constructor(readonly ty: Node, readonly integer: string) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.printOpen();
    this.ty.print(ob);
    ob.printClose();
    if (this.integer[0] === 'n') {
      ob.add('-');
      ob.add(this.integer.slice(1));
    } else ob.add(this.integer);
  }
}

class IntegerLiteral extends Node {
  constructor(readonly type: string, readonly value: string) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    if (this.type.length > 3) {
      ob.printOpen();
      ob.add(this.type);
      ob.printClose();
    }
    if (this.value[0] === 'n') {
      ob.add('-');
      ob.add(this.value.slice(1));
    } else ob.add(this.value);
    if (this.type.length <= 3) ob.add(this.type);
  }
}

class RequiresExpr extends Node {
  constructor(readonly parameters: Node[], readonly requirements: Node[]) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add('requires');
    if (this.parameters.length) {
      ob.add(' ');
      ob.printOpen();
      printWithComma(ob, this.parameters);
      ob.printClose();
    }
    ob.add(' ');
    ob.printOpen('{');
    for (const req of this.requirements) req.print(ob);
    ob.add(' ');
    ob.printClose('}');
  }
}

class ExprRequirement extends Node {
  constructor(readonly expr: Node, readonly isNoexcept: boolean, readonly typeConstraint: Node | null) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(' ');
    if (this.isNoexcept || this.typeConstraint) ob.printOpen('{');
    this.expr.print(ob);
    if (this.isNoexcept || this.typeConstraint) ob.printClose('}');
    if (this.isNoexcept) ob.add(' noexcept');
    if (this.typeConstraint) {
      ob.add(' -> ');
      this.typeConstraint.print(ob);
    }
    ob.add(';');
  }
}

class TypeRequirement extends Node {
  constructor(readonly type: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(' typename ');
    this.type.print(ob);
    ob.add(';');
  }
}

class NestedRequirement extends Node {
  constructor(readonly constraint: Node) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    ob.add(' requires ');
    this.constraint.print(ob);
    ob.add(';');
  }
}

// Floating-point literals print as C's "%a" (glibc), with an 'f' suffix for
// float and 'L' for long double (x87 80-bit on an x86-64 host).

const FLOAT_HEX_DIGITS = 8;
const DOUBLE_HEX_DIGITS = 16;
const LONG_DOUBLE_HEX_DIGITS = 20;

function hexExp(e: number): string {
  return 'p' + (e < 0 ? '-' : '+') + Math.abs(e);
}

/** glibc's printf("%a") of an IEEE double given as 16 big-endian hex digits. */
function formatDoubleHex(hex: string): string {
  const hi = parseInt(hex.slice(0, 8), 16);
  const neg = hi >>> 31 ? '-' : '';
  const exp = (hi >>> 20) & 0x7ff;
  const mant = hex.slice(3).toLowerCase(); // 13 hex digits = 52 bits
  const zeroMant = /^0*$/.test(mant);
  if (exp === 0x7ff) return neg + (zeroMant ? 'inf' : 'nan');
  const digits = mant.replace(/0+$/, '');
  let lead: string;
  let e: number;
  if (exp === 0) {
    lead = '0';
    e = zeroMant ? 0 : -1022;
  } else {
    lead = '1';
    e = exp - 1023;
  }
  return neg + '0x' + lead + (digits ? '.' + digits : '') + hexExp(e);
}

/** glibc's printf("%a") of an IEEE float (promoted to double) given as 8 hex digits. */
function formatFloatHex(hex: string): string {
  const bits = parseInt(hex, 16) >>> 0;
  const neg = bits >>> 31 ? '-' : '';
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return neg + (mant ? 'nan' : 'inf');
  const dv = new DataView(new ArrayBuffer(8));
  dv.setUint32(0, bits);
  dv.setFloat64(0, dv.getFloat32(0));
  let h = '';
  for (let i = 0; i < 8; i++) h += dv.getUint8(i).toString(16).padStart(2, '0');
  return formatDoubleHex(h);
}

/** glibc's printf("%La") of an x87 80-bit long double given as 20 big-endian hex digits. */
function formatLongDoubleHex(hex: string): string {
  const se = parseInt(hex.slice(0, 4), 16);
  const neg = se & 0x8000 ? '-' : '';
  const exp = se & 0x7fff;
  const mantissa = hex.slice(4).toLowerCase(); // 16 hex digits, explicit integer bit
  const low63Zero = /^[08]0*$/.test(mantissa);
  if (exp === 0x7fff) return neg + (low63Zero ? 'inf' : 'nan');
  const zeroMant = /^0*$/.test(mantissa);
  // A full nibble for the leading digit, so the exponent is biased by 3 more.
  const lead = mantissa[0]!;
  const digits = mantissa.slice(1).replace(/0+$/, '');
  let e: number;
  if (exp === 0) e = zeroMant ? 0 : -(16383 - 1 + 3);
  else e = exp - (16383 + 3);
  return neg + '0x' + lead + (digits ? '.' + digits : '') + hexExp(e);
}

class FloatLiteral extends Node {
  constructor(readonly hexDigits: number, readonly contents: string) {
    super();
  }
  printLeft(ob: OutputBuffer): void {
    if (this.hexDigits === FLOAT_HEX_DIGITS) ob.add(formatFloatHex(this.contents) + 'f');
    else if (this.hexDigits === DOUBLE_HEX_DIGITS) ob.add(formatDoubleHex(this.contents));
    else ob.add(formatLongDoubleHex(this.contents) + 'L');
  }
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

const enum OIKind {
  Prefix, // Prefix unary: @ expr
  Postfix, // Postfix unary: expr @
  Binary, // Binary: lhs @ rhs
  Array, // Array index:  lhs [ rhs ]
  Member, // Member access: lhs @ rhs
  New, // New
  Del, // Delete
  Call, // Function call: expr (expr*)
  CCast, // C cast: (type)expr
  Conditional, // Conditional: expr ? expr : expr
  NameOnly, // Overload only, not allowed in expression.
  // Below do not have operator names
  NamedCast, // Named cast, @<type>(expr)
  OfIdOp, // alignof, sizeof, typeid
}
const Unnameable = OIKind.NamedCast;

interface OperatorInfo {
  kind: OIKind;
  flag: boolean;
  prec: Prec;
  name: string;
  symbol: string;
}

function op(kind: OIKind, flag: boolean, prec: Prec, name: string): OperatorInfo {
  let symbol = name;
  if (kind < Unnameable) {
    symbol = symbol.slice('operator'.length);
    if (symbol.startsWith(' ')) symbol = symbol.slice(1);
  }
  return { kind, flag, prec, name, symbol };
}

const OPS = new Map<string, OperatorInfo>([
  ['aN', op(OIKind.Binary, false, Prec.Assign, 'operator&=')],
  ['aS', op(OIKind.Binary, false, Prec.Assign, 'operator=')],
  ['aa', op(OIKind.Binary, false, Prec.AndIf, 'operator&&')],
  ['ad', op(OIKind.Prefix, false, Prec.Unary, 'operator&')],
  ['an', op(OIKind.Binary, false, Prec.And, 'operator&')],
  ['at', op(OIKind.OfIdOp, /*Type*/ true, Prec.Unary, 'alignof ')],
  ['aw', op(OIKind.NameOnly, false, Prec.Primary, 'operator co_await')],
  ['az', op(OIKind.OfIdOp, /*Type*/ false, Prec.Unary, 'alignof ')],
  ['cc', op(OIKind.NamedCast, false, Prec.Postfix, 'const_cast')],
  ['cl', op(OIKind.Call, /*Paren*/ false, Prec.Postfix, 'operator()')],
  ['cm', op(OIKind.Binary, false, Prec.Comma, 'operator,')],
  ['co', op(OIKind.Prefix, false, Prec.Unary, 'operator~')],
  ['cp', op(OIKind.Call, /*Paren*/ true, Prec.Postfix, 'operator()')],
  ['cv', op(OIKind.CCast, false, Prec.Cast, 'operator')], // C Cast
  ['dV', op(OIKind.Binary, false, Prec.Assign, 'operator/=')],
  ['da', op(OIKind.Del, /*Ary*/ true, Prec.Unary, 'operator delete[]')],
  ['dc', op(OIKind.NamedCast, false, Prec.Postfix, 'dynamic_cast')],
  ['de', op(OIKind.Prefix, false, Prec.Unary, 'operator*')],
  ['dl', op(OIKind.Del, /*Ary*/ false, Prec.Unary, 'operator delete')],
  ['ds', op(OIKind.Member, /*Named*/ false, Prec.PtrMem, 'operator.*')],
  ['dt', op(OIKind.Member, /*Named*/ false, Prec.Postfix, 'operator.')],
  ['dv', op(OIKind.Binary, false, Prec.Assign, 'operator/')],
  ['eO', op(OIKind.Binary, false, Prec.Assign, 'operator^=')],
  ['eo', op(OIKind.Binary, false, Prec.Xor, 'operator^')],
  ['eq', op(OIKind.Binary, false, Prec.Equality, 'operator==')],
  ['ge', op(OIKind.Binary, false, Prec.Relational, 'operator>=')],
  ['gt', op(OIKind.Binary, false, Prec.Relational, 'operator>')],
  ['ix', op(OIKind.Array, false, Prec.Postfix, 'operator[]')],
  ['lS', op(OIKind.Binary, false, Prec.Assign, 'operator<<=')],
  ['le', op(OIKind.Binary, false, Prec.Relational, 'operator<=')],
  ['ls', op(OIKind.Binary, false, Prec.Shift, 'operator<<')],
  ['lt', op(OIKind.Binary, false, Prec.Relational, 'operator<')],
  ['mI', op(OIKind.Binary, false, Prec.Assign, 'operator-=')],
  ['mL', op(OIKind.Binary, false, Prec.Assign, 'operator*=')],
  ['mi', op(OIKind.Binary, false, Prec.Additive, 'operator-')],
  ['ml', op(OIKind.Binary, false, Prec.Multiplicative, 'operator*')],
  ['mm', op(OIKind.Postfix, false, Prec.Postfix, 'operator--')],
  ['na', op(OIKind.New, /*Ary*/ true, Prec.Unary, 'operator new[]')],
  ['ne', op(OIKind.Binary, false, Prec.Equality, 'operator!=')],
  ['ng', op(OIKind.Prefix, false, Prec.Unary, 'operator-')],
  ['nt', op(OIKind.Prefix, false, Prec.Unary, 'operator!')],
  ['nw', op(OIKind.New, /*Ary*/ false, Prec.Unary, 'operator new')],
  ['oR', op(OIKind.Binary, false, Prec.Assign, 'operator|=')],
  ['oo', op(OIKind.Binary, false, Prec.OrIf, 'operator||')],
  ['or', op(OIKind.Binary, false, Prec.Ior, 'operator|')],
  ['pL', op(OIKind.Binary, false, Prec.Assign, 'operator+=')],
  ['pl', op(OIKind.Binary, false, Prec.Additive, 'operator+')],
  ['pm', op(OIKind.Member, /*Named*/ true, Prec.PtrMem, 'operator->*')],
  ['pp', op(OIKind.Postfix, false, Prec.Postfix, 'operator++')],
  ['ps', op(OIKind.Prefix, false, Prec.Unary, 'operator+')],
  ['pt', op(OIKind.Member, /*Named*/ true, Prec.Postfix, 'operator->')],
  ['qu', op(OIKind.Conditional, false, Prec.Conditional, 'operator?')],
  ['rM', op(OIKind.Binary, false, Prec.Assign, 'operator%=')],
  ['rS', op(OIKind.Binary, false, Prec.Assign, 'operator>>=')],
  ['rc', op(OIKind.NamedCast, false, Prec.Postfix, 'reinterpret_cast')],
  ['rm', op(OIKind.Binary, false, Prec.Multiplicative, 'operator%')],
  ['rs', op(OIKind.Binary, false, Prec.Shift, 'operator>>')],
  ['sc', op(OIKind.NamedCast, false, Prec.Postfix, 'static_cast')],
  ['ss', op(OIKind.Binary, false, Prec.Spaceship, 'operator<=>')],
  ['st', op(OIKind.OfIdOp, /*Type*/ true, Prec.Unary, 'sizeof ')],
  ['sz', op(OIKind.OfIdOp, /*Type*/ false, Prec.Unary, 'sizeof ')],
  ['te', op(OIKind.OfIdOp, /*Type*/ false, Prec.Postfix, 'typeid ')],
  ['ti', op(OIKind.OfIdOp, /*Type*/ true, Prec.Postfix, 'typeid ')],
]);

/** Information about a <name> that matters only if it names an <encoding>. */
class NameState {
  ctorDtorConversion = false;
  endsWithTemplateArgs = false;
  cvQualifiers = QualNone;
  referenceQualifier = FrefQualNone;
  forwardTemplateRefsBegin: number;
  hasExplicitObjectParameter = false;
  constructor(p: Parser) {
    this.forwardTemplateRefsBegin = p.forwardTemplateRefs.length;
  }
}

type TemplateParamList = Node[];

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9' && c.length === 1;
}

/** Ignores a <discriminator>: `_ <digit>`, `__ <number> _`, or digits at the end of the string. */
function parseDiscriminator(s: string, first: number, last: number): number {
  if (first !== last) {
    if (s[first] === '_') {
      let t1 = first + 1;
      if (t1 !== last) {
        if (isDigit(s[t1]!)) first = t1 + 1;
        else if (s[t1] === '_') {
          for (++t1; t1 !== last && isDigit(s[t1]!); ++t1);
          if (t1 !== last && s[t1] === '_') first = t1 + 1;
        }
      }
    } else if (isDigit(s[first]!)) {
      let t1 = first + 1;
      for (; t1 !== last && isDigit(s[t1]!); ++t1);
      if (t1 === last) first = last;
    }
  }
  return first;
}

class Parser {
  first = 0;
  last: number;

  /** Names being parsed; collapsed into nodes as the parser goes. */
  names: Node[] = [];
  /** Substitution table (S_, S0_, ...). */
  subs: Node[] = [];
  /** Template parameter table for T_, T0_, ... */
  outerTemplateParams: TemplateParamList = [];
  /**
   * Template parameter lists indexed by depth (TL<n>_...). If nonempty, element 0
   * is outerTemplateParams; inner ones are lambda template parameter lists
   * (null for a generic lambda with no explicit template parameter list).
   */
  templateParams: (TemplateParamList | null)[] = [];
  /** Unresolved forward <template-param> references (in a conversion operator's type). */
  forwardTemplateRefs: ForwardTemplateReference[] = [];

  tryToParseTemplateArgs = true;
  permitForwardTemplateReferences = false;
  hasIncompleteTemplateParameterTracking = false;
  parsingLambdaParamsAtLevel = -1;
  numSyntheticTemplateParameters = [0, 0, 0];

  constructor(readonly s: string) {
    this.last = s.length;
  }

  // -- Low-level helpers --

  consumeIf(p: string): boolean {
    const n = p.length;
    if (this.last - this.first < n) return false;
    if (n === 1 ? this.s[this.first] === p : this.s.startsWith(p, this.first)) {
      this.first += n;
      return true;
    }
    return false;
  }

  consume(): string {
    return this.first !== this.last ? this.s[this.first++]! : '\0';
  }

  look(lookahead = 0): string {
    if (this.last - this.first <= lookahead) return '\0';
    return this.s[this.first + lookahead]!;
  }

  numLeft(): number {
    return this.last - this.first;
  }

  popTrailingNodeArray(fromPosition: number): Node[] {
    const res = this.names.slice(fromPosition);
    this.names.length = fromPosition;
    return res;
  }

  /** <number> ::= [n] <non-negative decimal integer> */
  parseNumber(allowNegative = false): string {
    const tmp = this.first;
    if (allowNegative) this.consumeIf('n');
    if (this.numLeft() === 0 || !isDigit(this.s[this.first]!)) return '';
    while (this.numLeft() !== 0 && isDigit(this.s[this.first]!)) ++this.first;
    return this.s.slice(tmp, this.first);
  }

  /** <positive length number> ::= [0-9]*; returns -1 when there is no digit. */
  parsePositiveInteger(): number {
    let c = this.look();
    if (c < '0' || c > '9') return -1;
    let out = 0;
    while ((c = this.look()) >= '0' && c <= '9') {
      out = out * 10 + (c.charCodeAt(0) - 48);
      ++this.first;
    }
    return out;
  }

  parseBareSourceName(): string {
    const n = this.parsePositiveInteger();
    if (n < 0 || this.numLeft() < n) return '';
    const r = this.s.slice(this.first, this.first + n);
    this.first += n;
    return r;
  }

  /** <CV-Qualifiers> ::= [r] [V] [K] */
  parseCVQualifiers(): number {
    let cvr = QualNone;
    if (this.consumeIf('r')) cvr |= QualRestrict;
    if (this.consumeIf('V')) cvr |= QualVolatile;
    if (this.consumeIf('K')) cvr |= QualConst;
    return cvr;
  }

  /** <seq-id> ::= <0-9A-Z>+; returns -1 on failure. */
  parseSeqId(): number {
    let c = this.look();
    if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z')) return -1;
    let id = 0;
    for (;;) {
      c = this.look();
      if (c >= '0' && c <= '9') id = id * 36 + (c.charCodeAt(0) - 48);
      else if (c >= 'A' && c <= 'Z') id = id * 36 + (c.charCodeAt(0) - 65) + 10;
      else return id;
      ++this.first;
    }
  }

  isTemplateParamDecl(): boolean {
    return this.look() === 'T' && 'yptnk'.includes(this.look(1)) && this.look(1) !== '\0';
  }

  resolveForwardTemplateRefs(state: NameState): boolean {
    const e = this.forwardTemplateRefs.length;
    for (let i = state.forwardTemplateRefsBegin; i < e; ++i) {
      const idx = this.forwardTemplateRefs[i]!.index;
      const tp0 = this.templateParams[0];
      if (this.templateParams.length === 0 || !tp0 || idx >= tp0.length) return true;
      this.forwardTemplateRefs[i]!.ref = tp0[idx]!;
    }
    this.forwardTemplateRefs.length = state.forwardTemplateRefsBegin;
    return false;
  }

  /** Runs f with the template parameters of the enclosing context saved and cleared. */
  withSavedTemplateParams<T>(f: () => T): T {
    const oldParams = this.templateParams;
    const oldOuter = this.outerTemplateParams;
    this.templateParams = [];
    this.outerTemplateParams = [];
    try {
      return f();
    } finally {
      this.templateParams = oldParams;
      this.outerTemplateParams = oldOuter;
    }
  }

  parseOperatorEncoding(): OperatorInfo | null {
    if (this.numLeft() < 2) return null;
    const info = OPS.get(this.s.substr(this.first, 2));
    if (!info) return null;
    this.first += 2;
    return info;
  }

  // -- Top level --

  /**
   * <mangled-name> ::= _Z <encoding>
   *                ::= <type>
   * extension      ::= ___Z <encoding> _block_invoke[_]<decimal-digit>*
   */
  parse(): Node | null {
    if (this.consumeIf('_Z') || this.consumeIf('__Z')) {
      let encoding = this.parseEncoding();
      if (encoding === null) return null;
      if (this.look() === '.') {
        encoding = new DotSuffix(encoding, this.s.slice(this.first, this.last));
        this.first = this.last;
      }
      if (this.numLeft() !== 0) return null;
      return encoding;
    }
    if (this.consumeIf('___Z') || this.consumeIf('____Z')) {
      const encoding = this.parseEncoding();
      if (encoding === null || !this.consumeIf('_block_invoke')) return null;
      const requireNumber = this.consumeIf('_');
      if (this.parseNumber() === '' && requireNumber) return null;
      if (this.look() === '.') this.first = this.last;
      if (this.numLeft() !== 0) return null;
      return new SpecialName('invocation function for block in ', encoding);
    }
    const ty = this.parseType();
    if (this.numLeft() !== 0) return null;
    return ty;
  }

  /**
   * <encoding> ::= <function name> <bare-function-type> [`Q` <requires-clause expr>]
   *            ::= <data name>
   *            ::= <special-name>
   */
  parseEncoding(): Node | null {
    // The template parameters of an encoding are unrelated to those of the enclosing context.
    return this.withSavedTemplateParams(() => this.parseEncodingInner());
  }

  private isEndOfEncoding(): boolean {
    // The set of chars that can potentially follow an <encoding> (none of which can start a <type>).
    const c = this.look();
    return this.numLeft() === 0 || c === 'E' || c === '.' || c === '_';
  }

  private parseEncodingInner(): Node | null {
    if (this.look() === 'G' || this.look() === 'T') return this.parseSpecialName();

    const nameInfo = new NameState(this);
    const name = this.parseName(nameInfo);
    if (name === null) return null;
    if (this.resolveForwardTemplateRefs(nameInfo)) return null;
    if (this.isEndOfEncoding()) return name;

    let attrs: Node | null = null;
    if (this.consumeIf('Ua9enable_ifI')) {
      const beforeArgs = this.names.length;
      while (!this.consumeIf('E')) {
        const arg = this.parseTemplateArg();
        if (arg === null) return null;
        this.names.push(arg);
      }
      attrs = new EnableIfAttr(this.popTrailingNodeArray(beforeArgs));
    }

    let returnType: Node | null = null;
    if (!nameInfo.ctorDtorConversion && nameInfo.endsWithTemplateArgs) {
      returnType = this.parseType();
      if (returnType === null) return null;
    }

    let params: Node[] = [];
    if (!this.consumeIf('v')) {
      const paramsBegin = this.names.length;
      do {
        let ty = this.parseType();
        if (ty === null) return null;
        const isFirstParam = paramsBegin === this.names.length;
        if (nameInfo.hasExplicitObjectParameter && isFirstParam) ty = new ExplicitObjectParameter(ty);
        this.names.push(ty);
      } while (!this.isEndOfEncoding() && this.look() !== 'Q');
      params = this.popTrailingNodeArray(paramsBegin);
    }

    let requires: Node | null = null;
    if (this.consumeIf('Q')) {
      requires = this.parseConstraintExpr();
      if (!requires) return null;
    }

    return new FunctionEncoding(
      returnType,
      name,
      params,
      attrs,
      requires,
      nameInfo.cvQualifiers,
      nameInfo.referenceQualifier,
    );
  }

  // -- Names --

  /**
   * <name> ::= <nested-name>
   *        ::= <local-name>
   *        ::= <unscoped-template-name> <template-args>
   *        ::= <unscoped-name>
   */
  parseName(state: NameState | null = null): Node | null {
    if (this.look() === 'N') return this.parseNestedName(state);
    if (this.look() === 'Z') return this.parseLocalName(state);

    const isSubst = { v: false };
    let result = this.parseUnscopedName(state, isSubst);
    if (result === null) return null;

    if (this.look() === 'I') {
      // An unscoped-template-name is substitutable.
      if (!isSubst.v) this.subs.push(result);
      const ta = this.parseTemplateArgs(state !== null);
      if (ta === null) return null;
      if (state) state.endsWithTemplateArgs = true;
      result = new NameWithTemplateArgs(result, ta);
    } else if (isSubst.v) {
      // The substitution case must be followed by <template-args>.
      return null;
    }
    return result;
  }

  /**
   * <local-name> := Z <function encoding> E <entity name> [<discriminator>]
   *              := Z <function encoding> E s [<discriminator>]
   *              := Z <function encoding> Ed [ <parameter number> ] _ <entity name>
   */
  parseLocalName(state: NameState | null): Node | null {
    if (!this.consumeIf('Z')) return null;
    const encoding = this.parseEncoding();
    if (encoding === null || !this.consumeIf('E')) return null;

    if (this.consumeIf('s')) {
      this.first = parseDiscriminator(this.s, this.first, this.last);
      return new LocalName(encoding, new NameType('string literal'));
    }

    // The template parameters of the inner name are unrelated to those of the enclosing context.
    return this.withSavedTemplateParams(() => {
      if (this.consumeIf('d')) {
        this.parseNumber(true);
        if (!this.consumeIf('_')) return null;
        const n = this.parseName(state);
        if (n === null) return null;
        return new LocalName(encoding, n);
      }
      const entity = this.parseName(state);
      if (entity === null) return null;
      this.first = parseDiscriminator(this.s, this.first, this.last);
      return new LocalName(encoding, entity);
    });
  }

  /**
   * <unscoped-name> ::= <unqualified-name>
   *                 ::= St <unqualified-name>   # ::std::
   */
  parseUnscopedName(state: NameState | null, isSubst: { v: boolean }): Node | null {
    let std: Node | null = null;
    if (this.consumeIf('St')) std = new NameType('std');

    let res: Node | null = null;
    let module: ModuleName | null = null;
    if (this.look() === 'S') {
      const s = this.parseSubstitution();
      if (!s) return null;
      if (s instanceof ModuleName) module = s;
      else if (std === null) {
        res = s;
        isSubst.v = true;
      } else {
        return null;
      }
    }

    if (res === null || std !== null) res = this.parseUnqualifiedName(state, std, module);
    return res;
  }

  /**
   * <unqualified-name> ::= [<module-name>] F? L? <operator-name> [<abi-tags>]
   *                    ::= [<module-name>] <ctor-dtor-name> [<abi-tags>]
   *                    ::= [<module-name>] F? L? <source-name> [<abi-tags>]
   *                    ::= [<module-name>] L? <unnamed-type-name> [<abi-tags>]
   *                    ::= [<module-name>] L? DC <source-name>+ E
   */
  parseUnqualifiedName(state: NameState | null, scope: Node | null, module: ModuleName | null): Node | null {
    const m = this.parseModuleNameOpt(module);
    if (m === false) return null;
    module = m;

    const isMemberLikeFriend = scope !== null && this.consumeIf('F');

    this.consumeIf('L');

    let result: Node | null;
    const c = this.look();
    if (c >= '1' && c <= '9') {
      result = this.parseSourceName();
    } else if (c === 'U') {
      result = this.parseUnnamedTypeName(state);
    } else if (this.consumeIf('DC')) {
      // Structured binding
      const bindingsBegin = this.names.length;
      do {
        const binding = this.parseSourceName();
        if (binding === null) return null;
        this.names.push(binding);
      } while (!this.consumeIf('E'));
      result = new StructuredBindingName(this.popTrailingNodeArray(bindingsBegin));
    } else if (c === 'C' || c === 'D') {
      // A <ctor-dtor-name>.
      if (scope === null || module !== null) return null;
      // Expand a special substitution (the expanded form is also the scope).
      if (scope instanceof SpecialSubstitution) scope = new ExpandedSpecialSubstitution(scope.ssk);
      result = this.parseCtorDtorName(scope, state);
    } else {
      result = this.parseOperatorName(state);
    }

    if (result !== null && module !== null) result = new ModuleEntity(module, result);
    if (result !== null) result = this.parseAbiTags(result);
    if (result !== null && isMemberLikeFriend) result = new MemberLikeFriendName(scope!, result);
    else if (result !== null && scope !== null) result = new NestedName(scope, result);
    return result;
  }

  /**
   * <module-name> ::= <module-subname>
   *               ::= <module-name> <module-subname>
   *               ::= <substitution>  # passed in by caller
   * <module-subname> ::= W <source-name>
   *                  ::= W P <source-name>
   * Returns false on error, else the (possibly updated) module.
   */
  parseModuleNameOpt(module: ModuleName | null): ModuleName | null | false {
    while (this.consumeIf('W')) {
      const isPartition = this.consumeIf('P');
      const sub = this.parseSourceName();
      if (!sub) return false;
      module = new ModuleName(module, sub, isPartition);
      this.subs.push(module);
    }
    return module;
  }

  /**
   * <unnamed-type-name> ::= Ut [<nonnegative number>] _
   *                     ::= <closure-type-name>
   * <closure-type-name> ::= Ul <lambda-sig> E [ <nonnegative number> ] _
   * <lambda-sig> ::= <template-param-decl>* [Q <requires-clause expression>]
   *                  <parameter type>+  # or "v" if the lambda has no parameters
   */
  parseUnnamedTypeName(state: NameState | null): Node | null {
    // <template-params> refer to the innermost <template-args>. Clear out any
    // outer args that we may have inserted into TemplateParams.
    if (state !== null) this.templateParams.length = 0;

    if (this.consumeIf('Ut')) {
      const count = this.parseNumber();
      if (!this.consumeIf('_')) return null;
      return new UnnamedTypeName(count);
    }
    if (this.consumeIf('Ul')) {
      const savedLevel = this.parsingLambdaParamsAtLevel;
      this.parsingLambdaParamsAtLevel = this.templateParams.length;
      const oldNumTemplateParamLists = this.templateParams.length;
      const lambdaTemplateParams: TemplateParamList = [];
      this.templateParams.push(lambdaTemplateParams);
      try {
        return this.parseClosureType(lambdaTemplateParams);
      } finally {
        if (this.templateParams.length > oldNumTemplateParamLists)
          this.templateParams.length = oldNumTemplateParamLists;
        this.parsingLambdaParamsAtLevel = savedLevel;
      }
    }
    if (this.consumeIf('Ub')) {
      this.parseNumber();
      if (!this.consumeIf('_')) return null;
      return new NameType("'block-literal'");
    }
    return null;
  }

  private parseClosureType(lambdaTemplateParams: TemplateParamList): Node | null {
    const paramsBegin = this.names.length;
    while (this.isTemplateParamDecl()) {
      const t = this.parseTemplateParamDecl(lambdaTemplateParams);
      if (t === null) return null;
      this.names.push(t);
    }
    const tempParams = this.popTrailingNodeArray(paramsBegin);

    // If there are no explicit template parameters, the lambda's template
    // parameter list only exists for 'auto' parameters (see parseTemplateParam).
    if (tempParams.length === 0) this.templateParams.pop();

    let requires1: Node | null = null;
    if (this.consumeIf('Q')) {
      requires1 = this.parseConstraintExpr();
      if (requires1 === null) return null;
    }

    if (!this.consumeIf('v')) {
      do {
        const p = this.parseType();
        if (p === null) return null;
        this.names.push(p);
      } while (this.look() !== 'E' && this.look() !== 'Q');
    }
    const params = this.popTrailingNodeArray(paramsBegin);

    let requires2: Node | null = null;
    if (this.consumeIf('Q')) {
      requires2 = this.parseConstraintExpr();
      if (requires2 === null) return null;
    }

    if (!this.consumeIf('E')) return null;

    const count = this.parseNumber();
    if (!this.consumeIf('_')) return null;
    return new ClosureTypeName(tempParams, requires1, params, requires2, count);
  }

  /** <source-name> ::= <positive length number> <identifier> */
  parseSourceName(): Node | null {
    const length = this.parsePositiveInteger();
    if (length < 0) return null;
    if (this.numLeft() < length || length === 0) return null;
    const name = this.s.slice(this.first, this.first + length);
    this.first += length;
    if (name.startsWith('_GLOBAL__N')) return new NameType('(anonymous namespace)');
    return new NameType(name);
  }

  /**
   * <operator-name> ::= See parseOperatorEncoding()
   *                 ::= li <source-name>  # operator ""
   *                 ::= v <digit> <source-name>  # vendor extended operator
   */
  parseOperatorName(state: NameState | null): Node | null {
    const op = this.parseOperatorEncoding();
    if (op) {
      if (op.kind === OIKind.CCast) {
        //              ::= cv <type>    # (cast)
        const saveTemplate = this.tryToParseTemplateArgs;
        const savePermit = this.permitForwardTemplateReferences;
        this.tryToParseTemplateArgs = false;
        // If we're parsing an encoding, state !== null and the conversion
        // operator's <type> could have a <template-param> that refers to some
        // <template-arg>s further ahead in the mangled name.
        this.permitForwardTemplateReferences = savePermit || state !== null;
        let ty: Node | null;
        try {
          ty = this.parseType();
        } finally {
          this.tryToParseTemplateArgs = saveTemplate;
          this.permitForwardTemplateReferences = savePermit;
        }
        if (ty === null) return null;
        if (state) state.ctorDtorConversion = true;
        return new ConversionOperatorType(ty);
      }
      if (op.kind >= Unnameable) return null; // Not a nameable operator.
      if (op.kind === OIKind.Member && !op.flag) return null; // Not a nameable MemberExpr
      return new NameType(op.name);
    }

    if (this.consumeIf('li')) {
      //                   ::= li <source-name>  # operator ""
      const sn = this.parseSourceName();
      if (sn === null) return null;
      return new LiteralOperator(sn);
    }

    if (this.consumeIf('v')) {
      // ::= v <digit> <source-name>        # vendor extended operator
      if (isDigit(this.look())) {
        this.first++;
        const sn = this.parseSourceName();
        if (sn === null) return null;
        return new ConversionOperatorType(sn);
      }
      return null;
    }
    return null;
  }

  /**
   * <ctor-dtor-name> ::= C1 | C2 | C3 | C4 | C5 | CI1 <type> | CI2 <type>
   *                  ::= D0 | D1 | D2 | D4 | D5
   */
  parseCtorDtorName(soFar: Node, state: NameState | null): Node | null {
    if (this.consumeIf('C')) {
      const isInherited = this.consumeIf('I');
      const c = this.look();
      if (c !== '1' && c !== '2' && c !== '3' && c !== '4' && c !== '5') return null;
      const variant = c.charCodeAt(0) - 48;
      ++this.first;
      if (state) state.ctorDtorConversion = true;
      if (isInherited) {
        if (this.parseName(state) === null) return null;
      }
      return new CtorDtorName(soFar, false, variant);
    }

    const c1 = this.look(1);
    if (this.look() === 'D' && (c1 === '0' || c1 === '1' || c1 === '2' || c1 === '4' || c1 === '5')) {
      const variant = c1.charCodeAt(0) - 48;
      this.first += 2;
      if (state) state.ctorDtorConversion = true;
      return new CtorDtorName(soFar, true, variant);
    }
    return null;
  }

  /**
   * <nested-name> ::= N [<CV-Qualifiers>] [<ref-qualifier>] <prefix> <unqualified-name> E
   *               ::= N [<CV-Qualifiers>] [<ref-qualifier>] <template-prefix> <template-args> E
   */
  parseNestedName(state: NameState | null): Node | null {
    if (!this.consumeIf('N')) return null;

    // 'H' specifies that the encoding that follows has an explicit object parameter.
    if (!this.consumeIf('H')) {
      const cvTmp = this.parseCVQualifiers();
      if (state) state.cvQualifiers = cvTmp;
      if (this.consumeIf('O')) {
        if (state) state.referenceQualifier = FrefQualRValue;
      } else if (this.consumeIf('R')) {
        if (state) state.referenceQualifier = FrefQualLValue;
      } else {
        if (state) state.referenceQualifier = FrefQualNone;
      }
    } else if (state) {
      state.hasExplicitObjectParameter = true;
    }

    let soFar: Node | null = null;
    while (!this.consumeIf('E')) {
      // Only set end-with-template on the case that does that.
      if (state) state.endsWithTemplateArgs = false;

      const c = this.look();
      if (c === 'T') {
        //          ::= <template-param>
        if (soFar !== null) return null; // Cannot have a prefix.
        soFar = this.parseTemplateParam();
      } else if (c === 'I') {
        //          ::= <template-prefix> <template-args>
        if (soFar === null) return null; // Must have a prefix.
        const ta = this.parseTemplateArgs(state !== null);
        if (ta === null) return null;
        // <template-args> <template-args> cannot be generated by a C++ entity.
        if (soFar instanceof NameWithTemplateArgs) return null;
        if (state) state.endsWithTemplateArgs = true;
        soFar = new NameWithTemplateArgs(soFar, ta);
      } else if (c === 'D' && (this.look(1) === 't' || this.look(1) === 'T')) {
        //          ::= <decltype>
        if (soFar !== null) return null; // Cannot have a prefix.
        soFar = this.parseDecltype();
      } else {
        let module: ModuleName | null = null;
        if (c === 'S') {
          //          ::= <substitution>
          let s: Node | null;
          if (this.look(1) === 't') {
            this.first += 2;
            s = new NameType('std');
          } else {
            s = this.parseSubstitution();
          }
          if (!s) return null;
          if (s instanceof ModuleName) {
            module = s;
          } else if (soFar !== null) {
            return null; // Cannot have a prefix.
          } else {
            soFar = s;
            continue; // Do not push a new substitution.
          }
        }
        //          ::= [<prefix>] <unqualified-name>
        soFar = this.parseUnqualifiedName(state, soFar, module);
      }

      if (soFar === null) return null;
      this.subs.push(soFar);

      // No longer used.
      // <data-member-prefix> := <member source-name> [<template-args>] M
      this.consumeIf('M');
    }

    if (soFar === null || this.subs.length === 0) return null;
    this.subs.pop();
    return soFar;
  }

  /** <simple-id> ::= <source-name> [ <template-args> ] */
  parseSimpleId(): Node | null {
    const sn = this.parseSourceName();
    if (sn === null) return null;
    if (this.look() === 'I') {
      const ta = this.parseTemplateArgs();
      if (ta === null) return null;
      return new NameWithTemplateArgs(sn, ta);
    }
    return sn;
  }

  /**
   * <destructor-name> ::= <unresolved-type>  # e.g., ~T or ~decltype(f())
   *                   ::= <simple-id>        # e.g., ~A<2*N>
   */
  parseDestructorName(): Node | null {
    const result = isDigit(this.look()) ? this.parseSimpleId() : this.parseUnresolvedType();
    if (result === null) return null;
    return new DtorName(result);
  }

  /**
   * <unresolved-type> ::= <template-param>
   *                   ::= <decltype>
   *                   ::= <substitution>
   */
  parseUnresolvedType(): Node | null {
    if (this.look() === 'T') {
      const tp = this.parseTemplateParam();
      if (tp === null) return null;
      this.subs.push(tp);
      return tp;
    }
    if (this.look() === 'D') {
      const dt = this.parseDecltype();
      if (dt === null) return null;
      this.subs.push(dt);
      return dt;
    }
    return this.parseSubstitution();
  }

  /**
   * <base-unresolved-name> ::= <simple-id>
   *          extension     ::= <operator-name> [<template-args>]
   *                        ::= on <operator-name> [<template-args>]
   *                        ::= dn <destructor-name>
   */
  parseBaseUnresolvedName(): Node | null {
    if (isDigit(this.look())) return this.parseSimpleId();
    if (this.consumeIf('dn')) return this.parseDestructorName();
    this.consumeIf('on');
    const oper = this.parseOperatorName(null);
    if (oper === null) return null;
    if (this.look() === 'I') {
      const ta = this.parseTemplateArgs();
      if (ta === null) return null;
      return new NameWithTemplateArgs(oper, ta);
    }
    return oper;
  }

  /**
   * <unresolved-name>
   *  extension        ::= srN <unresolved-type> [<template-args>] <unresolved-qualifier-level>* E <base-unresolved-name>
   *                   ::= [gs] <base-unresolved-name>
   *                   ::= [gs] sr <unresolved-qualifier-level>+ E <base-unresolved-name>
   *                   ::= sr <unresolved-type> <base-unresolved-name>
   *  extension        ::= sr <unresolved-type> <template-args> <base-unresolved-name>
   * [gs] has been parsed by the caller.
   */
  parseUnresolvedName(global: boolean): Node | null {
    let soFar: Node | null = null;

    if (this.consumeIf('srN')) {
      soFar = this.parseUnresolvedType();
      if (soFar === null) return null;
      if (this.look() === 'I') {
        const ta = this.parseTemplateArgs();
        if (ta === null) return null;
        soFar = new NameWithTemplateArgs(soFar, ta);
      }
      while (!this.consumeIf('E')) {
        const qual = this.parseSimpleId();
        if (qual === null) return null;
        soFar = new QualifiedName(soFar, qual);
      }
      const base = this.parseBaseUnresolvedName();
      if (base === null) return null;
      return new QualifiedName(soFar, base);
    }

    // [gs] <base-unresolved-name>                     # x or (with "gs") ::x
    if (!this.consumeIf('sr')) {
      soFar = this.parseBaseUnresolvedName();
      if (soFar === null) return null;
      if (global) soFar = new GlobalQualifiedName(soFar);
      return soFar;
    }

    // [gs] sr <unresolved-qualifier-level>+ E   <base-unresolved-name>
    if (isDigit(this.look())) {
      do {
        const qual = this.parseSimpleId();
        if (qual === null) return null;
        if (soFar) soFar = new QualifiedName(soFar, qual);
        else if (global) soFar = new GlobalQualifiedName(qual);
        else soFar = qual;
      } while (!this.consumeIf('E'));
    } else {
      //      sr <unresolved-type>                 <base-unresolved-name>
      //      sr <unresolved-type> <template-args> <base-unresolved-name>
      soFar = this.parseUnresolvedType();
      if (soFar === null) return null;
      if (this.look() === 'I') {
        const ta = this.parseTemplateArgs();
        if (ta === null) return null;
        soFar = new NameWithTemplateArgs(soFar, ta);
      }
    }

    const base = this.parseBaseUnresolvedName();
    if (base === null) return null;
    return new QualifiedName(soFar!, base);
  }

  /** <abi-tags> ::= <abi-tag> [<abi-tags>]; <abi-tag> ::= B <source-name> */
  parseAbiTags(n: Node): Node | null {
    while (this.consumeIf('B')) {
      const sn = this.parseBareSourceName();
      if (sn === '') return null;
      n = new AbiTagAttr(n, sn);
    }
    return n;
  }

  // -- Types --

  /**
   * <function-type> ::= [<CV-qualifiers>] [<exception-spec>] [Dx] F [Y] <bare-function-type> [<ref-qualifier>] E
   */
  parseFunctionType(): Node | null {
    const cvQuals = this.parseCVQualifiers();

    let exceptionSpec: Node | null = null;
    if (this.consumeIf('Do')) {
      exceptionSpec = new NameType('noexcept');
    } else if (this.consumeIf('DO')) {
      const e = this.parseExpr();
      if (e === null || !this.consumeIf('E')) return null;
      exceptionSpec = new NoexceptSpec(e);
    } else if (this.consumeIf('Dw')) {
      const specsBegin = this.names.length;
      while (!this.consumeIf('E')) {
        const t = this.parseType();
        if (t === null) return null;
        this.names.push(t);
      }
      exceptionSpec = new DynamicExceptionSpec(this.popTrailingNodeArray(specsBegin));
    }

    this.consumeIf('Dx'); // transaction safe

    if (!this.consumeIf('F')) return null;
    this.consumeIf('Y'); // extern "C"
    const returnType = this.parseType();
    if (returnType === null) return null;

    let referenceQualifier = FrefQualNone;
    const paramsBegin = this.names.length;
    for (;;) {
      if (this.consumeIf('E')) break;
      if (this.consumeIf('v')) continue;
      if (this.consumeIf('RE')) {
        referenceQualifier = FrefQualLValue;
        break;
      }
      if (this.consumeIf('OE')) {
        referenceQualifier = FrefQualRValue;
        break;
      }
      const t = this.parseType();
      if (t === null) return null;
      this.names.push(t);
    }

    const params = this.popTrailingNodeArray(paramsBegin);
    return new FunctionType(returnType, params, cvQuals, referenceQualifier, exceptionSpec);
  }

  /**
   * extension:
   * <vector-type>           ::= Dv <positive dimension number> _ <extended element type>
   *                         ::= Dv [<dimension expression>] _ <element type>
   * <extended element type> ::= <element type>
   *                         ::= p # AltiVec vector pixel
   */
  parseVectorType(): Node | null {
    if (!this.consumeIf('Dv')) return null;
    const c = this.look();
    if (c >= '1' && c <= '9') {
      const dimensionNumber = new NameType(this.parseNumber());
      if (!this.consumeIf('_')) return null;
      if (this.consumeIf('p')) return new PixelVectorType(dimensionNumber);
      const elemType = this.parseType();
      if (elemType === null) return null;
      return new VectorType(elemType, dimensionNumber);
    }

    if (!this.consumeIf('_')) {
      const dimExpr = this.parseExpr();
      if (!dimExpr) return null;
      if (!this.consumeIf('_')) return null;
      const elemType = this.parseType();
      if (!elemType) return null;
      return new VectorType(elemType, dimExpr);
    }
    const elemType = this.parseType();
    if (!elemType) return null;
    return new VectorType(elemType, null);
  }

  /**
   * <decltype>  ::= Dt <expression> E  # decltype of an id-expression or class member access (C++0x)
   *             ::= DT <expression> E  # decltype of an expression (C++0x)
   */
  parseDecltype(): Node | null {
    if (!this.consumeIf('D')) return null;
    if (!this.consumeIf('t') && !this.consumeIf('T')) return null;
    const e = this.parseExpr();
    if (e === null) return null;
    if (!this.consumeIf('E')) return null;
    return new EnclosingExpr('decltype', e);
  }

  /**
   * <array-type> ::= A <positive dimension number> _ <element type>
   *              ::= A [<dimension expression>] _ <element type>
   */
  parseArrayType(): Node | null {
    if (!this.consumeIf('A')) return null;

    let dimension: Node | null = null;
    if (isDigit(this.look())) {
      dimension = new NameType(this.parseNumber());
      if (!this.consumeIf('_')) return null;
    } else if (!this.consumeIf('_')) {
      const dimExpr = this.parseExpr();
      if (dimExpr === null) return null;
      if (!this.consumeIf('_')) return null;
      dimension = dimExpr;
    }

    const ty = this.parseType();
    if (ty === null) return null;
    return new ArrayType(ty, dimension);
  }

  /** <pointer-to-member-type> ::= M <class type> <member type> */
  parsePointerToMemberType(): Node | null {
    if (!this.consumeIf('M')) return null;
    const classType = this.parseType();
    if (classType === null) return null;
    const memberType = this.parseType();
    if (memberType === null) return null;
    return new PointerToMemberType(classType, memberType);
  }

  /**
   * <class-enum-type> ::= <name>
   *                   ::= Ts <name>  # dependent elaborated type specifier using 'struct' or 'class'
   *                   ::= Tu <name>  # dependent elaborated type specifier using 'union'
   *                   ::= Te <name>  # dependent elaborated type specifier using 'enum'
   */
  parseClassEnumType(): Node | null {
    let elabSpef = '';
    if (this.consumeIf('Ts')) elabSpef = 'struct';
    else if (this.consumeIf('Tu')) elabSpef = 'union';
    else if (this.consumeIf('Te')) elabSpef = 'enum';

    const name = this.parseName();
    if (name === null) return null;
    if (elabSpef !== '') return new ElaboratedTypeSpefType(elabSpef, name);
    return name;
  }

  /**
   * <qualified-type>     ::= <qualifiers> <type>
   * <qualifiers> ::= <extended-qualifier>* <CV-qualifiers>
   * <extended-qualifier> ::= U <source-name> [<template-args>] # vendor extended type qualifier
   */
  parseQualifiedType(): Node | null {
    if (this.consumeIf('U')) {
      const qual = this.parseBareSourceName();
      if (qual === '') return null;

      // extension            ::= U <objc-name> <objc-type>  # objc-type<identifier>
      if (qual.startsWith('objcproto')) {
        const protoStart = this.first - qual.length + 'objcproto'.length;
        const saveFirst = this.first;
        const saveLast = this.last;
        this.first = protoStart;
        this.last = saveFirst;
        let proto: string;
        try {
          proto = this.parseBareSourceName();
        } finally {
          this.first = saveFirst;
          this.last = saveLast;
        }
        if (proto === '') return null;
        const child = this.parseQualifiedType();
        if (child === null) return null;
        return new ObjCProtoName(child, proto);
      }

      let ta: Node | null = null;
      if (this.look() === 'I') {
        ta = this.parseTemplateArgs();
        if (ta === null) return null;
      }

      const child = this.parseQualifiedType();
      if (child === null) return null;
      return new VendorExtQualType(child, qual, ta);
    }

    const quals = this.parseCVQualifiers();
    let ty = this.parseType();
    if (ty === null) return null;
    if (quals !== QualNone) ty = new QualType(ty, quals);
    return ty;
  }

  /**
   * <type>      ::= <builtin-type>
   *             ::= <qualified-type>
   *             ::= <function-type>
   *             ::= <class-enum-type>
   *             ::= <array-type>
   *             ::= <pointer-to-member-type>
   *             ::= <template-param>
   *             ::= <template-template-param> <template-args>
   *             ::= <decltype>
   *             ::= P <type>        # pointer
   *             ::= R <type>        # l-value reference
   *             ::= O <type>        # r-value reference (C++11)
   *             ::= C <type>        # complex pair (C99)
   *             ::= G <type>        # imaginary (C99)
   *             ::= <substitution>  # See Compression below
   * extension   ::= U <objc-name> <objc-type>  # objc-type<identifier>
   * extension   ::= <vector-type> # <vector-type> starts with Dv
   */
  parseType(): Node | null {
    let result: Node | null = null;

    switch (this.look()) {
      //             ::= <qualified-type>
      case 'r':
      case 'V':
      case 'K': {
        let afterQuals = 0;
        if (this.look(afterQuals) === 'r') ++afterQuals;
        if (this.look(afterQuals) === 'V') ++afterQuals;
        if (this.look(afterQuals) === 'K') ++afterQuals;
        const a = this.look(afterQuals);
        const b = this.look(afterQuals + 1);
        if (a === 'F' || (a === 'D' && (b === 'o' || b === 'O' || b === 'w' || b === 'x'))) {
          result = this.parseFunctionType();
          break;
        }
        result = this.parseQualifiedType();
        break;
      }
      case 'U':
        result = this.parseQualifiedType();
        break;
      // <builtin-type>
      case 'v':
        ++this.first;
        return new NameType('void');
      case 'w':
        ++this.first;
        return new NameType('wchar_t');
      case 'b':
        ++this.first;
        return new NameType('bool');
      case 'c':
        ++this.first;
        return new NameType('char');
      case 'a':
        ++this.first;
        return new NameType('signed char');
      case 'h':
        ++this.first;
        return new NameType('unsigned char');
      case 's':
        ++this.first;
        return new NameType('short');
      case 't':
        ++this.first;
        return new NameType('unsigned short');
      case 'i':
        ++this.first;
        return new NameType('int');
      case 'j':
        ++this.first;
        return new NameType('unsigned int');
      case 'l':
        ++this.first;
        return new NameType('long');
      case 'm':
        ++this.first;
        return new NameType('unsigned long');
      case 'x':
        ++this.first;
        return new NameType('long long');
      case 'y':
        ++this.first;
        return new NameType('unsigned long long');
      case 'n':
        ++this.first;
        return new NameType('__int128');
      case 'o':
        ++this.first;
        return new NameType('unsigned __int128');
      case 'f':
        ++this.first;
        return new NameType('float');
      case 'd':
        ++this.first;
        return new NameType('double');
      case 'e':
        ++this.first;
        return new NameType('long double');
      case 'g':
        ++this.first;
        return new NameType('__float128');
      case 'z':
        ++this.first;
        return new NameType('...');

      // <builtin-type> ::= u <source-name>    # vendor extended type
      case 'u': {
        ++this.first;
        const res = this.parseBareSourceName();
        if (res === '') return null;
        // Typically, <builtin-type>s are not considered substitution candidates,
        // but the exception to that exception is vendor extended types (Itanium C++ ABI 5.9.1).
        if (this.consumeIf('I')) {
          const baseType = this.parseType();
          if (baseType === null) return null;
          if (!this.consumeIf('E')) return null;
          result = new TransformedType(res, baseType);
        } else {
          result = new NameType(res);
        }
        break;
      }
      case 'D':
        switch (this.look(1)) {
          case 'd':
            this.first += 2;
            return new NameType('decimal64');
          case 'e':
            this.first += 2;
            return new NameType('decimal128');
          case 'f':
            this.first += 2;
            return new NameType('decimal32');
          case 'h':
            this.first += 2;
            return new NameType('half');
          //       ::= DF16b         # C++23 std::bfloat16_t
          //       ::= DF <number> _ # ISO/IEC TS 18661 binary floating point (N bits)
          case 'F': {
            this.first += 2;
            if (this.consumeIf('16b')) return new NameType('std::bfloat16_t');
            const dimensionNumber = new NameType(this.parseNumber());
            if (!this.consumeIf('_')) return null;
            return new BinaryFPType(dimensionNumber);
          }
          //                ::= [DS] DA  # N1169 fixed-point [_Sat] T _Accum
          //                ::= [DS] DR  # N1169 fixed-point [_Sat] T _Frac
          case 'A': {
            const c = this.look(2);
            this.first += 3;
            const t = FIXED_POINT[c];
            return t === undefined ? null : new NameType(t + '_Accum');
          }
          case 'R': {
            const c = this.look(2);
            this.first += 3;
            const t = FIXED_POINT[c];
            return t === undefined ? null : new NameType(t + '_Fract');
          }
          case 'S': {
            this.first += 2;
            if (this.look() !== 'D') return null;
            if (this.look(1) === 'A') {
              const c = this.look(2);
              this.first += 3;
              const t = FIXED_POINT[c];
              return t === undefined ? null : new NameType('_Sat ' + t + '_Accum');
            }
            if (this.look(1) === 'R') {
              const c = this.look(2);
              this.first += 3;
              const t = FIXED_POINT[c];
              return t === undefined ? null : new NameType('_Sat ' + t + '_Fract');
            }
            return null;
          }
          //                ::= DB <number> _                             # C23 signed _BitInt(N)
          //                ::= DB <instantiation-dependent expression> _ # C23 signed _BitInt(N)
          //                ::= DU <number> _                             # C23 unsigned _BitInt(N)
          //                ::= DU <instantiation-dependent expression> _ # C23 unsigned _BitInt(N)
          case 'B':
          case 'U': {
            const signed = this.look(1) === 'B';
            this.first += 2;
            const size = isDigit(this.look()) ? new NameType(this.parseNumber()) : this.parseExpr();
            if (!size) return null;
            if (!this.consumeIf('_')) return null;
            // Substitutable (LLVM 22).
            result = new BitIntType(size, signed);
            break;
          }
          case 'i':
            this.first += 2;
            return new NameType('char32_t');
          case 's':
            this.first += 2;
            return new NameType('char16_t');
          case 'u':
            this.first += 2;
            return new NameType('char8_t');
          case 'a':
            this.first += 2;
            return new NameType('auto');
          case 'c':
            this.first += 2;
            return new NameType('decltype(auto)');
          //                ::= Dk <type-constraint> # constrained auto
          //                ::= DK <type-constraint> # constrained decltype(auto)
          case 'k':
          case 'K': {
            const kind = this.look(1) === 'k' ? ' auto' : ' decltype(auto)';
            this.first += 2;
            const constraint = this.parseName();
            if (!constraint) return null;
            return new PostfixQualifiedType(constraint, kind);
          }
          case 'n':
            this.first += 2;
            return new NameType('std::nullptr_t');
          //             ::= <decltype>
          case 't':
          case 'T':
            result = this.parseDecltype();
            break;
          // extension   ::= <vector-type> # <vector-type> starts with Dv
          case 'v':
            result = this.parseVectorType();
            break;
          //           ::= Dp <type>       # pack expansion (C++0x)
          case 'p': {
            this.first += 2;
            const child = this.parseType();
            if (!child) return null;
            result = new ParameterPackExpansion(child);
            break;
          }
          // Exception specifier on a function type.
          case 'o':
          case 'O':
          case 'w':
          // Transaction safe function type.
          case 'x':
            result = this.parseFunctionType();
            break;
        }
        break;
      //             ::= <function-type>
      case 'F':
        result = this.parseFunctionType();
        break;
      //             ::= <array-type>
      case 'A':
        result = this.parseArrayType();
        break;
      //             ::= <pointer-to-member-type>
      case 'M':
        result = this.parsePointerToMemberType();
        break;
      //             ::= <template-param>
      case 'T': {
        // This could be an elaborate type specifier on a <class-enum-type>.
        const c1 = this.look(1);
        if (c1 === 's' || c1 === 'u' || c1 === 'e') {
          result = this.parseClassEnumType();
          break;
        }
        result = this.parseTemplateParam();
        if (result === null) return null;
        // <type>        ::= <template-param>
        // <type>        ::= <template-template-param> <template-args>
        // If this is followed by some <template-args>, and we're permitted to
        // parse them, take the second production.
        if (this.tryToParseTemplateArgs && this.look() === 'I') {
          this.subs.push(result);
          const ta = this.parseTemplateArgs();
          if (ta === null) return null;
          result = new NameWithTemplateArgs(result, ta);
        }
        break;
      }
      //             ::= P <type>        # pointer
      case 'P': {
        ++this.first;
        const ptr = this.parseType();
        if (ptr === null) return null;
        result = new PointerType(ptr);
        break;
      }
      //             ::= R <type>        # l-value reference
      case 'R': {
        ++this.first;
        const ref = this.parseType();
        if (ref === null) return null;
        result = new ReferenceType(ref, RefLValue);
        break;
      }
      //             ::= O <type>        # r-value reference (C++11)
      case 'O': {
        ++this.first;
        const ref = this.parseType();
        if (ref === null) return null;
        result = new ReferenceType(ref, RefRValue);
        break;
      }
      //             ::= C <type>        # complex pair (C99)
      case 'C': {
        ++this.first;
        const p = this.parseType();
        if (p === null) return null;
        result = new PostfixQualifiedType(p, ' complex');
        break;
      }
      //             ::= G <type>        # imaginary (C99)
      case 'G': {
        ++this.first;
        const p = this.parseType();
        if (p === null) return null;
        result = new PostfixQualifiedType(p, ' imaginary');
        break;
      }
      //             ::= <substitution>  # See Compression below
      case 'S': {
        if (this.look(1) !== 't') {
          const isSubst = { v: false };
          result = this.parseUnscopedName(null, isSubst);
          if (!result) return null;
          // <type>        ::= <substitution>
          // <type>        ::= <template-template-param> <template-args>
          // If this is followed by some <template-args>, and we're permitted to
          // parse them, take the second production.
          if (this.look() === 'I' && (!isSubst.v || this.tryToParseTemplateArgs)) {
            if (!isSubst.v) this.subs.push(result);
            const ta = this.parseTemplateArgs();
            if (ta === null) return null;
            result = new NameWithTemplateArgs(result, ta);
          } else if (isSubst.v) {
            // If all we parsed was a substitution, don't re-insert into the substitution table.
            return result;
          }
          break;
        }
        result = this.parseClassEnumType();
        break;
      }
      //        ::= <class-enum-type>
      default:
        result = this.parseClassEnumType();
        break;
    }

    // If we parsed a type, insert it into the substitution table. Note that all
    // <builtin-type>s and <substitution>s have already bailed out, because they
    // don't get substitutions.
    if (result !== null) this.subs.push(result);
    return result;
  }

  // -- Expressions --

  parsePrefixExpr(kind: string, prec: Prec): Node | null {
    const e = this.parseExpr();
    if (e === null) return null;
    return new PrefixExpr(kind, e, prec);
  }

  parseBinaryExpr(kind: string, prec: Prec): Node | null {
    const lhs = this.parseExpr();
    if (lhs === null) return null;
    const rhs = this.parseExpr();
    if (rhs === null) return null;
    return new BinaryExpr(lhs, kind, rhs, prec);
  }

  parseIntegerLiteral(lit: string): Node | null {
    const tmp = this.parseNumber(true);
    if (tmp !== '' && this.consumeIf('E')) return new IntegerLiteral(lit, tmp);
    return null;
  }

  /**
   * <function-param> ::= fp <top-level CV-Qualifiers> _
   *                  ::= fp <top-level CV-Qualifiers> <parameter-2 non-negative number> _
   *                  ::= fL <L-1 non-negative number> p <top-level CV-Qualifiers> _
   *                  ::= fL <L-1 non-negative number> p <top-level CV-Qualifiers> <parameter-2 non-negative number> _
   *                  ::= fpT      # 'this' expression
   */
  parseFunctionParam(): Node | null {
    if (this.consumeIf('fpT')) return new NameType('this');
    if (this.consumeIf('fp')) {
      this.parseCVQualifiers();
      const num = this.parseNumber();
      if (!this.consumeIf('_')) return null;
      return new FunctionParam(num);
    }
    if (this.consumeIf('fL')) {
      if (this.parseNumber() === '') return null;
      if (!this.consumeIf('p')) return null;
      this.parseCVQualifiers();
      const num = this.parseNumber();
      if (!this.consumeIf('_')) return null;
      return new FunctionParam(num);
    }
    return null;
  }

  /**
   * <expr-primary> ::= L <type> <value number> E                          # integer literal
   *                ::= L <type> <value float> E                           # floating literal
   *                ::= L <string type> E                                  # string literal
   *                ::= L <nullptr type> E                                 # nullptr literal (i.e., "LDnE")
   *                ::= L <lambda type> E                                  # lambda expression
   *                ::= L <mangled-name> E                                 # external name
   */
  parseExprPrimary(): Node | null {
    if (!this.consumeIf('L')) return null;
    switch (this.look()) {
      case 'w':
        ++this.first;
        return this.parseIntegerLiteral('wchar_t');
      case 'b':
        if (this.consumeIf('b0E')) return new BoolExpr(false);
        if (this.consumeIf('b1E')) return new BoolExpr(true);
        return null;
      case 'c':
        ++this.first;
        return this.parseIntegerLiteral('char');
      case 'a':
        ++this.first;
        return this.parseIntegerLiteral('signed char');
      case 'h':
        ++this.first;
        return this.parseIntegerLiteral('unsigned char');
      case 's':
        ++this.first;
        return this.parseIntegerLiteral('short');
      case 't':
        ++this.first;
        return this.parseIntegerLiteral('unsigned short');
      case 'i':
        ++this.first;
        return this.parseIntegerLiteral('');
      case 'j':
        ++this.first;
        return this.parseIntegerLiteral('u');
      case 'l':
        ++this.first;
        return this.parseIntegerLiteral('l');
      case 'm':
        ++this.first;
        return this.parseIntegerLiteral('ul');
      case 'x':
        ++this.first;
        return this.parseIntegerLiteral('ll');
      case 'y':
        ++this.first;
        return this.parseIntegerLiteral('ull');
      case 'n':
        ++this.first;
        return this.parseIntegerLiteral('__int128');
      case 'o':
        ++this.first;
        return this.parseIntegerLiteral('unsigned __int128');
      case 'f':
        ++this.first;
        return this.parseFloatingLiteral(FLOAT_HEX_DIGITS);
      case 'd':
        ++this.first;
        return this.parseFloatingLiteral(DOUBLE_HEX_DIGITS);
      case 'e':
        ++this.first;
        return this.parseFloatingLiteral(LONG_DOUBLE_HEX_DIGITS);
      case '_':
        if (this.consumeIf('_Z')) {
          const r = this.parseEncoding();
          if (r !== null && this.consumeIf('E')) return r;
        }
        return null;
      case 'A': {
        const t = this.parseType();
        if (t === null) return null;
        // FIXME: We need to include the string contents in the mangling.
        if (this.consumeIf('E')) return new StringLiteral(t);
        return null;
      }
      case 'D':
        if (this.consumeIf('Dn') && (this.consumeIf('0'), this.consumeIf('E'))) return new NameType('nullptr');
        return null;
      case 'T':
        // Invalid mangled name per
        //   http://sourcerytools.com/pipermail/cxx-abi-dev/2011-August/002422.html
        return null;
      case 'U': {
        // FIXME: Should we support LUb... for block literals?
        if (this.look(1) !== 'l') return null;
        const t = this.parseUnnamedTypeName(null);
        if (!t || !this.consumeIf('E')) return null;
        return new LambdaExpr(t);
      }
      default: {
        // might be named type
        const t = this.parseType();
        if (t === null) return null;
        const n = this.parseNumber(/*AllowNegative=*/ true);
        if (n === '') return null;
        if (!this.consumeIf('E')) return null;
        return new EnumLiteral(t, n);
      }
    }
  }

  parseFloatingLiteral(n: number): Node | null {
    if (this.numLeft() <= n) return null;
    const data = this.s.slice(this.first, this.first + n);
    for (const c of data) if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) return null;
    this.first += n;
    if (!this.consumeIf('E')) return null;
    return new FloatLiteral(n, data);
  }

  /**
   * <braced-expression> ::= <expression>
   *                     ::= di <field source-name> <braced-expression>    # .name = expr
   *                     ::= dx <index expression> <braced-expression>     # [expr] = expr
   *                     ::= dX <range begin expression> <range end expression> <braced-expression>
   */
  parseBracedExpr(): Node | null {
    if (this.look() === 'd') {
      switch (this.look(1)) {
        case 'i': {
          this.first += 2;
          const field = this.parseSourceName();
          if (field === null) return null;
          const init = this.parseBracedExpr();
          if (init === null) return null;
          return new BracedExpr(field, init, false);
        }
        case 'x': {
          this.first += 2;
          const index = this.parseExpr();
          if (index === null) return null;
          const init = this.parseBracedExpr();
          if (init === null) return null;
          return new BracedExpr(index, init, true);
        }
        case 'X': {
          this.first += 2;
          const rangeBegin = this.parseExpr();
          if (rangeBegin === null) return null;
          const rangeEnd = this.parseExpr();
          if (rangeEnd === null) return null;
          const init = this.parseBracedExpr();
          if (init === null) return null;
          return new BracedRangeExpr(rangeBegin, rangeEnd, init);
        }
      }
    }
    return this.parseExpr();
  }

  /**
   * <fold-expr> ::= fL <binary-operator-name> <expression> <expression>
   *             ::= fR <binary-operator-name> <expression> <expression>
   *             ::= fl <binary-operator-name> <expression>
   *             ::= fr <binary-operator-name> <expression>
   */
  parseFoldExpr(): Node | null {
    if (!this.consumeIf('f')) return null;

    let isLeftFold = false;
    let hasInitializer = false;
    switch (this.look()) {
      default:
        return null;
      case 'L':
        isLeftFold = true;
        hasInitializer = true;
        break;
      case 'R':
        hasInitializer = true;
        break;
      case 'l':
        isLeftFold = true;
        break;
      case 'r':
        break;
    }
    ++this.first;

    const op = this.parseOperatorEncoding();
    if (!op) return null;
    if (!(op.kind === OIKind.Binary || (op.kind === OIKind.Member && op.name.endsWith('*')))) return null;

    let pack = this.parseExpr();
    if (pack === null) return null;

    let init: Node | null = null;
    if (hasInitializer) {
      init = this.parseExpr();
      if (init === null) return null;
    }

    if (isLeftFold && init) {
      const t = pack;
      pack = init;
      init = t;
    }
    return new FoldExpr(isLeftFold, op.symbol, pack, init);
  }

  /** <expression> ::= mc <parameter type> <expr> [<offset number>] E */
  parsePointerToMemberConversionExpr(prec: Prec): Node | null {
    const ty = this.parseType();
    if (!ty) return null;
    const expr = this.parseExpr();
    if (!expr) return null;
    const offset = this.parseNumber(true);
    if (!this.consumeIf('E')) return null;
    return new PointerToMemberConversionExpr(ty, expr, offset, prec);
  }

  /**
   * <expression> ::= so <referent type> <expr> [<offset number>] <union-selector>* [p] E
   * <union-selector> ::= _ [<number>]
   */
  parseSubobjectExpr(): Node | null {
    const ty = this.parseType();
    if (!ty) return null;
    const expr = this.parseExpr();
    if (!expr) return null;
    const offset = this.parseNumber(true);
    const selectorsBegin = this.names.length;
    while (this.consumeIf('_')) {
      this.names.push(new NameType(this.parseNumber()));
    }
    const onePastTheEnd = this.consumeIf('p');
    if (!this.consumeIf('E')) return null;
    return new SubobjectExpr(ty, expr, offset, this.popTrailingNodeArray(selectorsBegin), onePastTheEnd);
  }

  parseConstraintExpr(): Node | null {
    // Within this expression, all enclosing template parameter lists are in scope.
    const saved = this.hasIncompleteTemplateParameterTracking;
    this.hasIncompleteTemplateParameterTracking = true;
    try {
      return this.parseExpr();
    } finally {
      this.hasIncompleteTemplateParameterTracking = saved;
    }
  }

  parseRequiresExpr(): Node | null {
    let params: Node[] = [];
    if (this.consumeIf('rQ')) {
      // <expression> ::= rQ <bare-function-type> _ <requirement>+ E
      const paramsBegin = this.names.length;
      while (!this.consumeIf('_')) {
        const type = this.parseType();
        if (type === null) return null;
        this.names.push(type);
      }
      params = this.popTrailingNodeArray(paramsBegin);
    } else if (!this.consumeIf('rq')) {
      // <expression> ::= rq <requirement>+ E
      return null;
    }

    const reqsBegin = this.names.length;
    do {
      let constraint: Node | null = null;
      if (this.consumeIf('X')) {
        // <requirement> ::= X <expression> [N] [R <type-constraint>]
        const expr = this.parseExpr();
        if (expr === null) return null;
        const noexcept = this.consumeIf('N');
        let typeReq: Node | null = null;
        if (this.consumeIf('R')) {
          typeReq = this.parseName();
          if (typeReq === null) return null;
        }
        constraint = new ExprRequirement(expr, noexcept, typeReq);
      } else if (this.consumeIf('T')) {
        // <requirement> ::= T <type>
        const type = this.parseType();
        if (type === null) return null;
        constraint = new TypeRequirement(type);
      } else if (this.consumeIf('Q')) {
        // <requirement> ::= Q <constraint-expression>
        const nestedReq = this.parseExpr();
        if (nestedReq === null) return null;
        constraint = new NestedRequirement(nestedReq);
      }
      if (constraint === null) return null;
      this.names.push(constraint);
    } while (!this.consumeIf('E'));

    return new RequiresExpr(params, this.popTrailingNodeArray(reqsBegin));
  }

  /** <expression> (see the Itanium C++ ABI) */
  parseExpr(): Node | null {
    const global = this.consumeIf('gs');

    const op = this.parseOperatorEncoding();
    if (op) {
      const sym = op.symbol;
      switch (op.kind) {
        case OIKind.Binary:
          // Binary operator: lhs @ rhs
          return this.parseBinaryExpr(sym, op.prec);
        case OIKind.Prefix:
          // Prefix unary operator: @ expr
          return this.parsePrefixExpr(sym, op.prec);
        case OIKind.Postfix: {
          // Postfix unary operator: expr @
          if (this.consumeIf('_')) return this.parsePrefixExpr(sym, op.prec);
          const ex = this.parseExpr();
          if (ex === null) return null;
          return new PostfixExpr(ex, sym, op.prec);
        }
        case OIKind.Array: {
          // Array Index:  lhs [ rhs ]
          const base = this.parseExpr();
          if (base === null) return null;
          const index = this.parseExpr();
          if (index === null) return null;
          return new ArraySubscriptExpr(base, index, op.prec);
        }
        case OIKind.Member: {
          // Member access lhs @ rhs
          const lhs = this.parseExpr();
          if (lhs === null) return null;
          const rhs = this.parseExpr();
          if (rhs === null) return null;
          return new MemberExpr(lhs, sym, rhs, op.prec);
        }
        case OIKind.New: {
          // [gs] nw <expression>* _ <type> [pi <expression>*] E
          // [gs] na <expression>* _ <type> [pi <expression>*] E
          const exprs = this.names.length;
          while (!this.consumeIf('_')) {
            const ex = this.parseExpr();
            if (ex === null) return null;
            this.names.push(ex);
          }
          const exprList = this.popTrailingNodeArray(exprs);
          const ty = this.parseType();
          if (ty === null) return null;
          const haveInits = this.consumeIf('pi');
          const initsBegin = this.names.length;
          while (!this.consumeIf('E')) {
            if (!haveInits) return null;
            const init = this.parseExpr();
            if (init === null) return null;
            this.names.push(init);
          }
          const inits = this.popTrailingNodeArray(initsBegin);
          return new NewExpr(exprList, ty, inits, global, op.flag, op.prec);
        }
        case OIKind.Del: {
          // Delete
          const ex = this.parseExpr();
          if (ex === null) return null;
          return new DeleteExpr(ex, global, op.flag, op.prec);
        }
        case OIKind.Call: {
          // Function Call
          const callee = this.parseExpr();
          if (callee === null) return null;
          const exprsBegin = this.names.length;
          while (!this.consumeIf('E')) {
            const e = this.parseExpr();
            if (e === null) return null;
            this.names.push(e);
          }
          return new CallExpr(callee, this.popTrailingNodeArray(exprsBegin), op.flag, op.prec);
        }
        case OIKind.CCast: {
          // C Cast: (type)expr
          const saved = this.tryToParseTemplateArgs;
          this.tryToParseTemplateArgs = false;
          let ty: Node | null;
          try {
            ty = this.parseType();
          } finally {
            this.tryToParseTemplateArgs = saved;
          }
          if (ty === null) return null;

          const exprsBegin = this.names.length;
          const isMany = this.consumeIf('_');
          while (!this.consumeIf('E')) {
            const e = this.parseExpr();
            if (e === null) return null;
            this.names.push(e);
            if (!isMany) break;
          }
          const exprs = this.popTrailingNodeArray(exprsBegin);
          if (!isMany && exprs.length !== 1) return null;
          return new ConversionExpr(ty, exprs, op.prec);
        }
        case OIKind.Conditional: {
          // Conditional operator: expr ? expr : expr
          const cond = this.parseExpr();
          if (cond === null) return null;
          const lhs = this.parseExpr();
          if (lhs === null) return null;
          const rhs = this.parseExpr();
          if (rhs === null) return null;
          return new ConditionalExpr(cond, lhs, rhs, op.prec);
        }
        case OIKind.NamedCast: {
          // Named cast operation, @<type>(expr)
          const ty = this.parseType();
          if (ty === null) return null;
          const ex = this.parseExpr();
          if (ex === null) return null;
          return new CastExpr(sym, ty, ex, op.prec);
        }
        case OIKind.OfIdOp: {
          // [sizeof/alignof/typeid] ( <type>|<expr> )
          const arg = op.flag ? this.parseType() : this.parseExpr();
          if (!arg) return null;
          return new EnclosingExpr(sym, arg, op.prec);
        }
        case OIKind.NameOnly:
          // Not valid as an expression operand.
          return null;
      }
      return null;
    }

    if (this.numLeft() < 2) return null;

    if (this.look() === 'L') return this.parseExprPrimary();
    if (this.look() === 'T') return this.parseTemplateParam();
    if (this.look() === 'f') {
      // Disambiguate a fold expression from a <function-param>.
      if (this.look(1) === 'p' || (this.look(1) === 'L' && isDigit(this.look(2)))) return this.parseFunctionParam();
      return this.parseFoldExpr();
    }
    if (this.consumeIf('il')) {
      const initsBegin = this.names.length;
      while (!this.consumeIf('E')) {
        const e = this.parseBracedExpr();
        if (e === null) return null;
        this.names.push(e);
      }
      return new InitListExpr(null, this.popTrailingNodeArray(initsBegin));
    }
    if (this.consumeIf('mc')) return this.parsePointerToMemberConversionExpr(Prec.Unary);
    if (this.consumeIf('nx')) {
      const ex = this.parseExpr();
      if (ex === null) return null;
      return new EnclosingExpr('noexcept ', ex, Prec.Unary);
    }
    if (this.look() === 'r' && (this.look(1) === 'q' || this.look(1) === 'Q')) return this.parseRequiresExpr();
    if (this.consumeIf('so')) return this.parseSubobjectExpr();
    if (this.consumeIf('sp')) {
      const child = this.parseExpr();
      if (child === null) return null;
      return new ParameterPackExpansion(child);
    }
    if (this.consumeIf('sZ')) {
      if (this.look() === 'T') {
        const r = this.parseTemplateParam();
        if (r === null) return null;
        return new SizeofParamPackExpr(r);
      }
      const fp = this.parseFunctionParam();
      if (fp === null) return null;
      return new EnclosingExpr('sizeof... ', fp);
    }
    if (this.consumeIf('sP')) {
      const argsBegin = this.names.length;
      while (!this.consumeIf('E')) {
        const arg = this.parseTemplateArg();
        if (arg === null) return null;
        this.names.push(arg);
      }
      const pack = new NodeArrayNode(this.popTrailingNodeArray(argsBegin));
      return new EnclosingExpr('sizeof... ', pack);
    }
    if (this.consumeIf('tl')) {
      const ty = this.parseType();
      if (ty === null) return null;
      const initsBegin = this.names.length;
      while (!this.consumeIf('E')) {
        const e = this.parseBracedExpr();
        if (e === null) return null;
        this.names.push(e);
      }
      return new InitListExpr(ty, this.popTrailingNodeArray(initsBegin));
    }
    if (this.consumeIf('tr')) return new NameType('throw');
    if (this.consumeIf('tw')) {
      const ex = this.parseExpr();
      if (ex === null) return null;
      return new ThrowExpr(ex);
    }
    if (this.consumeIf('u')) {
      const name = this.parseSourceName();
      if (!name) return null;
      // Special case legacy __uuidof mangling. The 't' and 'z' appear where the
      // standard encoding expects a <template-arg>, and would be otherwise be
      // interpreted as <type> node 'short' or 'ellipsis'. However, neither
      // __uuidof(short) nor __uuidof(...) can actually appear, so there is no
      // actual conflict here.
      let isUUID = false;
      let uuid: Node | null = null;
      if (name.getBaseName() === '__uuidof') {
        if (this.consumeIf('t')) {
          uuid = this.parseType();
          isUUID = true;
        } else if (this.consumeIf('z')) {
          uuid = this.parseExpr();
          isUUID = true;
        }
      }
      const exprsBegin = this.names.length;
      if (isUUID) {
        if (uuid === null) return null;
        this.names.push(uuid);
      } else {
        while (!this.consumeIf('E')) {
          const e = this.parseTemplateArg();
          if (e === null) return null;
          this.names.push(e);
        }
      }
      return new CallExpr(name, this.popTrailingNodeArray(exprsBegin), false, Prec.Postfix);
    }

    // Only unresolved names remain.
    return this.parseUnresolvedName(global);
  }

  // -- Special names --

  /**
   * <call-offset> ::= h <nv-offset> _
   *               ::= v <v-offset> _
   * Returns true on error.
   */
  parseCallOffset(): boolean {
    // Just scan through the call offset, we never add this information into the output.
    if (this.consumeIf('h')) return this.parseNumber(true) === '' || !this.consumeIf('_');
    if (this.consumeIf('v'))
      return (
        this.parseNumber(true) === '' ||
        !this.consumeIf('_') ||
        this.parseNumber(true) === '' ||
        !this.consumeIf('_')
      );
    return true;
  }

  /**
   * <special-name> ::= TV <type> | TT <type> | TI <type> | TS <type> | TA <template-arg>
   *                ::= Tc <call-offset> <call-offset> <base encoding>
   *                ::= T <call-offset> <base encoding>
   *                ::= GV <object name> | TW <object name> | TH <object name>
   *                ::= GR <object name> [<seq-id>] _
   *      extension ::= TC <first type> <number> _ <second type>
   *      extension ::= GI <module name>
   */
  parseSpecialName(): Node | null {
    switch (this.look()) {
      case 'T':
        switch (this.look(1)) {
          // TA <template-arg>    # template parameter object
          case 'A': {
            this.first += 2;
            const arg = this.parseTemplateArg();
            if (arg === null) return null;
            return new SpecialName('template parameter object for ', arg);
          }
          case 'V': {
            this.first += 2;
            const ty = this.parseType();
            if (ty === null) return null;
            return new SpecialName('vtable for ', ty);
          }
          case 'T': {
            this.first += 2;
            const ty = this.parseType();
            if (ty === null) return null;
            return new SpecialName('VTT for ', ty);
          }
          case 'I': {
            this.first += 2;
            const ty = this.parseType();
            if (ty === null) return null;
            return new SpecialName('typeinfo for ', ty);
          }
          case 'S': {
            this.first += 2;
            const ty = this.parseType();
            if (ty === null) return null;
            return new SpecialName('typeinfo name for ', ty);
          }
          case 'c': {
            this.first += 2;
            if (this.parseCallOffset() || this.parseCallOffset()) return null;
            const encoding = this.parseEncoding();
            if (encoding === null) return null;
            return new SpecialName('covariant return thunk to ', encoding);
          }
          case 'C': {
            this.first += 2;
            const firstType = this.parseType();
            if (firstType === null) return null;
            if (this.parseNumber(true) === '' || !this.consumeIf('_')) return null;
            const secondType = this.parseType();
            if (secondType === null) return null;
            return new CtorVtableSpecialName(secondType, firstType);
          }
          case 'W': {
            this.first += 2;
            const name = this.parseName();
            if (name === null) return null;
            return new SpecialName('thread-local wrapper routine for ', name);
          }
          case 'H': {
            this.first += 2;
            const name = this.parseName();
            if (name === null) return null;
            return new SpecialName('thread-local initialization routine for ', name);
          }
          default: {
            // T <call-offset> <base encoding>
            ++this.first;
            const isVirt = this.look() === 'v';
            if (this.parseCallOffset()) return null;
            const baseEncoding = this.parseEncoding();
            if (baseEncoding === null) return null;
            if (isVirt) return new SpecialName('virtual thunk to ', baseEncoding);
            return new SpecialName('non-virtual thunk to ', baseEncoding);
          }
        }
      case 'G':
        switch (this.look(1)) {
          // GV <object name> # Guard variable for one-time initialization
          case 'V': {
            this.first += 2;
            const name = this.parseName();
            if (name === null) return null;
            return new SpecialName('guard variable for ', name);
          }
          // GR <object name> # reference temporary for object
          // GR <object name> _             # First temporary
          // GR <object name> <seq-id> _    # Subsequent temporaries
          case 'R': {
            this.first += 2;
            const name = this.parseName();
            if (name === null) return null;
            const parsedSeqId = this.parseSeqId() >= 0;
            if (!this.consumeIf('_') && parsedSeqId) return null;
            return new SpecialName('reference temporary for ', name);
          }
          // GI <module-name> v
          case 'I': {
            this.first += 2;
            const module = this.parseModuleNameOpt(null);
            if (module === false || module === null) return null;
            return new SpecialName('initializer for module ', module);
          }
        }
    }
    return null;
  }

  // -- Substitutions and template parameters/arguments --

  /**
   * <substitution> ::= S <seq-id> _
   *                ::= S_
   *                ::= Sa | Sb | Ss | Si | So | Sd
   * The St case is handled specially in parseNestedName.
   */
  parseSubstitution(): Node | null {
    if (!this.consumeIf('S')) return null;

    const c = this.look();
    if (c >= 'a' && c <= 'z') {
      let kind: number;
      switch (c) {
        case 'a':
          kind = SSK_allocator;
          break;
        case 'b':
          kind = SSK_basic_string;
          break;
        case 'd':
          kind = SSK_iostream;
          break;
        case 'i':
          kind = SSK_istream;
          break;
        case 'o':
          kind = SSK_ostream;
          break;
        case 's':
          kind = SSK_string;
          break;
        default:
          return null;
      }
      ++this.first;
      let specialSub: Node = new SpecialSubstitution(kind);
      // Itanium C++ ABI 5.1.2: If a name that would use a built-in <substitution>
      // has ABI tags, the tags are appended to the substitution; the result is a
      // substitutable component.
      const withTags = this.parseAbiTags(specialSub);
      if (withTags !== specialSub) {
        if (withTags === null) return null;
        this.subs.push(withTags);
        specialSub = withTags;
      }
      return specialSub;
    }

    //                ::= S_
    if (this.consumeIf('_')) {
      if (this.subs.length === 0) return null;
      return this.subs[0]!;
    }

    //                ::= S <seq-id> _
    let index = this.parseSeqId();
    if (index < 0) return null;
    ++index;
    if (!this.consumeIf('_') || index >= this.subs.length) return null;
    return this.subs[index]!;
  }

  /**
   * <template-param> ::= T_    # first template parameter
   *                  ::= T <parameter-2 non-negative number> _
   *                  ::= TL <level-1> __
   *                  ::= TL <level-1> _ <parameter-2 non-negative number> _
   */
  parseTemplateParam(): Node | null {
    const begin = this.first;
    if (!this.consumeIf('T')) return null;

    let level = 0;
    if (this.consumeIf('L')) {
      level = this.parsePositiveInteger();
      if (level < 0) return null;
      ++level;
      if (!this.consumeIf('_')) return null;
    }

    let index = 0;
    if (!this.consumeIf('_')) {
      index = this.parsePositiveInteger();
      if (index < 0) return null;
      ++index;
      if (!this.consumeIf('_')) return null;
    }

    // We don't track enclosing template parameter levels well enough to reliably
    // substitute them all within a <constraint-expression>, so print the
    // parameter numbering instead for now.
    if (this.hasIncompleteTemplateParameterTracking) {
      return new NameType(this.s.slice(begin, this.first - 1));
    }

    // If we're in a context where this <template-param> refers to a
    // <template-arg> further ahead in the mangled name (currently just conversion
    // operator types), then we should only look it up in the right context.
    // This can only happen at the outermost level.
    if (this.permitForwardTemplateReferences && level === 0) {
      const forwardRef = new ForwardTemplateReference(index);
      this.forwardTemplateRefs.push(forwardRef);
      return forwardRef;
    }

    const list = level < this.templateParams.length ? this.templateParams[level] : null;
    if (!list || index >= list.length) {
      // Itanium ABI 5.1.8: In a generic lambda, uses of auto in the parameter
      // list are mangled as the corresponding artificial template type parameter.
      if (this.parsingLambdaParamsAtLevel === level && level <= this.templateParams.length) {
        // This will be popped by the scope in parseUnnamedTypeName.
        if (level === this.templateParams.length) this.templateParams.push(null);
        return new NameType('auto');
      }
      return null;
    }
    return list[index]!;
  }

  /**
   * <template-param-decl> ::= Ty                          # type parameter
   *                       ::= Tk <concept name> [<template-args>] # constrained type parameter
   *                       ::= Tn <type>                   # non-type parameter
   *                       ::= Tt <template-param-decl>* E # template parameter
   *                       ::= Tp <template-param-decl>    # parameter pack
   */
  parseTemplateParamDecl(params: TemplateParamList | null): Node | null {
    const inventTemplateParamName = (kind: number): Node => {
      const index = this.numSyntheticTemplateParameters[kind]!++;
      const n = new SyntheticTemplateParamName(kind, index);
      if (params) params.push(n);
      return n;
    };

    if (this.consumeIf('Ty')) {
      const name = inventTemplateParamName(TPKType);
      return new TypeTemplateParamDecl(name);
    }

    if (this.consumeIf('Tk')) {
      // We don't track enclosing template parameter levels well enough to
      // reliably demangle template parameter substitutions, so print an arbitrary
      // string in place of a parameter for now.
      const saved = this.hasIncompleteTemplateParameterTracking;
      this.hasIncompleteTemplateParameterTracking = true;
      let constraint: Node | null;
      try {
        constraint = this.parseName();
      } finally {
        this.hasIncompleteTemplateParameterTracking = saved;
      }
      if (!constraint) return null;
      const name = inventTemplateParamName(TPKType);
      return new ConstrainedTypeTemplateParamDecl(constraint, name);
    }

    if (this.consumeIf('Tn')) {
      const name = inventTemplateParamName(TPKNonType);
      const type = this.parseType();
      if (!type) return null;
      return new NonTypeTemplateParamDecl(name, type);
    }

    if (this.consumeIf('Tt')) {
      const name = inventTemplateParamName(TPKTemplate);
      const paramsBegin = this.names.length;
      const oldNumTemplateParamLists = this.templateParams.length;
      const templateTemplateParamParams: TemplateParamList = [];
      this.templateParams.push(templateTemplateParamParams);
      let requires: Node | null = null;
      try {
        while (!this.consumeIf('E')) {
          const p = this.parseTemplateParamDecl(templateTemplateParamParams);
          if (!p) return null;
          this.names.push(p);
          if (this.consumeIf('Q')) {
            requires = this.parseConstraintExpr();
            if (requires === null || !this.consumeIf('E')) return null;
            break;
          }
        }
      } finally {
        if (this.templateParams.length > oldNumTemplateParamLists)
          this.templateParams.length = oldNumTemplateParamLists;
      }
      const innerParams = this.popTrailingNodeArray(paramsBegin);
      return new TemplateTemplateParamDecl(name, innerParams, requires);
    }

    if (this.consumeIf('Tp')) {
      const p = this.parseTemplateParamDecl(params);
      if (!p) return null;
      return new TemplateParamPackDecl(p);
    }

    return null;
  }

  /**
   * <template-arg> ::= <type>                    # type or template
   *                ::= X <expression> E          # expression
   *                ::= <expr-primary>            # simple expressions
   *                ::= J <template-arg>* E       # argument pack
   *                ::= LZ <encoding> E           # extension
   *                ::= <template-param-decl> <template-arg>
   */
  parseTemplateArg(): Node | null {
    switch (this.look()) {
      case 'X': {
        ++this.first;
        const arg = this.parseExpr();
        if (arg === null || !this.consumeIf('E')) return null;
        return arg;
      }
      case 'J': {
        ++this.first;
        const argsBegin = this.names.length;
        while (!this.consumeIf('E')) {
          const arg = this.parseTemplateArg();
          if (arg === null) return null;
          this.names.push(arg);
        }
        return new TemplateArgumentPack(this.popTrailingNodeArray(argsBegin));
      }
      case 'L': {
        //                ::= LZ <encoding> E           # extension
        if (this.look(1) === 'Z') {
          this.first += 2;
          const arg = this.parseEncoding();
          if (arg === null || !this.consumeIf('E')) return null;
          return arg;
        }
        //                ::= <expr-primary>            # simple expressions
        return this.parseExprPrimary();
      }
      case 'T': {
        // Either <template-param> or a <template-param-decl> <template-arg>.
        if (!this.isTemplateParamDecl()) return this.parseType();
        const param = this.parseTemplateParamDecl(null);
        if (!param) return null;
        const arg = this.parseTemplateArg();
        if (!arg) return null;
        return new TemplateParamQualifiedArg(param, arg);
      }
      default:
        return this.parseType();
    }
  }

  /**
   * <template-args> ::= I <template-arg>* [Q <requires-clause expr>] E
   *     extension, the abi says <template-arg>+
   */
  parseTemplateArgs(tagTemplates = false): Node | null {
    if (!this.consumeIf('I')) return null;

    // <template-params> refer to the innermost <template-args>. Clear out any
    // outer args that we may have inserted into TemplateParams.
    if (tagTemplates) {
      this.templateParams.length = 0;
      this.templateParams.push(this.outerTemplateParams);
      this.outerTemplateParams.length = 0;
    }

    const argsBegin = this.names.length;
    let requires: Node | null = null;
    while (!this.consumeIf('E')) {
      if (tagTemplates) {
        const arg = this.parseTemplateArg();
        if (arg === null) return null;
        this.names.push(arg);
        let tableEntry: Node = arg;
        if (arg instanceof TemplateParamQualifiedArg) tableEntry = arg.arg;
        if (arg instanceof TemplateArgumentPack) tableEntry = new ParameterPack(arg.elements);
        this.outerTemplateParams.push(tableEntry);
      } else {
        const arg = this.parseTemplateArg();
        if (arg === null) return null;
        this.names.push(arg);
      }
      if (this.consumeIf('Q')) {
        requires = this.parseConstraintExpr();
        if (!requires || !this.consumeIf('E')) return null;
        break;
      }
    }
    return new TemplateArgs(this.popTrailingNodeArray(argsBegin), requires);
  }
}

const FIXED_POINT: Record<string, string> = {
  s: 'short ',
  t: 'unsigned short ',
  i: '',
  j: 'unsigned ',
  l: 'long ',
  m: 'unsigned long ',
};

// ---------------------------------------------------------------------------
// Rust v0 demangler (port of LLVM's RustDemangle.cpp)
// ---------------------------------------------------------------------------

const U64_MAX = (1n << 64n) - 1n;

function rIsDigit(c: string): boolean {
  return c >= '0' && c <= '9' && c.length === 1;
}
function rIsLower(c: string): boolean {
  return c >= 'a' && c <= 'z' && c.length === 1;
}
function rIsUpper(c: string): boolean {
  return c >= 'A' && c <= 'Z' && c.length === 1;
}
/** A valid mangled character: <0-9a-zA-Z_>. */
function rIsValid(c: string): boolean {
  return rIsDigit(c) || rIsLower(c) || rIsUpper(c) || c === '_';
}

const RUST_BASIC_TYPES: Record<string, string> = {
  a: 'i8',
  b: 'bool',
  c: 'char',
  d: 'f64',
  e: 'str',
  f: 'f32',
  h: 'u8',
  i: 'isize',
  j: 'usize',
  l: 'i32',
  m: 'u32',
  n: 'i128',
  o: 'u128',
  p: '_',
  s: 'i16',
  t: 'u16',
  u: '()',
  v: '...',
  x: 'i64',
  y: 'u64',
  z: '!',
};

interface RustIdentifier {
  name: string;
  punycode: boolean;
}

/** UTF-8 bytes (one char per byte) of a Unicode scalar value, or null. */
function utf8Bytes(cp: bigint): string | null {
  if (cp >= 0xd800n && cp <= 0xdfffn) return null;
  const n = Number(cp);
  if (cp <= 0x7fn) return String.fromCharCode(n);
  if (cp <= 0x7ffn) return String.fromCharCode(0xc0 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f));
  if (cp <= 0xffffn)
    return String.fromCharCode(0xe0 | (n >> 12), 0x80 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f));
  if (cp <= 0x10ffffn)
    return String.fromCharCode(
      0xf0 | (n >> 18),
      0x80 | ((n >> 12) & 0x3f),
      0x80 | ((n >> 6) & 0x3f),
      0x80 | (n & 0x3f),
    );
  return null;
}

/** Decodes Rust's punycode (with '_' as the delimiter); null when invalid. */
function decodePunycode(input: string): string | null {
  const points: string[] = [];
  let inputIdx = 0;
  const delimiterPos = input.lastIndexOf('_');
  if (delimiterPos >= 0) {
    for (; inputIdx !== delimiterPos; ++inputIdx) {
      const c = input[inputIdx]!;
      if (!rIsValid(c)) return null;
      points.push(c);
    }
    ++inputIdx;
  }

  const base = 36n;
  const skew = 38n;
  const tMin = 1n;
  const tMax = 26n;
  let bias = 72n;
  let n = 0x80n;
  let damp = 700n;
  const max = U64_MAX;

  const adapt = (delta: bigint, numPoints: bigint): bigint => {
    delta /= damp;
    delta += delta / numPoints;
    damp = 2n;
    let k = 0n;
    while (delta > ((base - tMin) * tMax) / 2n) {
      delta /= base - tMin;
      k += base;
    }
    return k + ((base - tMin + 1n) * delta) / (delta + skew);
  };

  for (let i = 0n; inputIdx !== input.length; i += 1n) {
    const oldI = i;
    let w = 1n;
    for (let k = base; ; k += base) {
      if (inputIdx === input.length) return null;
      const c = input[inputIdx++]!;
      let digit: bigint;
      if (rIsLower(c)) digit = BigInt(c.charCodeAt(0) - 97);
      else if (rIsDigit(c)) digit = BigInt(26 + c.charCodeAt(0) - 48);
      else return null;
      if (digit > (max - i) / w) return null;
      i += digit * w;
      const t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
      if (digit < t) break;
      if (w > max / (base - t)) return null;
      w *= base - t;
    }
    const numPoints = BigInt(points.length) + 1n;
    bias = adapt(i - oldI, numPoints);
    if (i / numPoints > max - n) return null;
    n += i / numPoints;
    i = i % numPoints;
    const bytes = utf8Bytes(n);
    if (bytes === null) return null;
    points.splice(Number(i), 0, bytes);
  }
  return points.join('');
}

class RustDemangler {
  private readonly maxRecursionLevel = 500;
  private recursionLevel = 0;
  private boundLifetimes = 0n;
  private input = '';
  private position = 0;
  private printing = true;
  private error = false;
  out = '';

  /** <symbol-name> = "_R" <path> [<instantiating-crate>] */
  demangle(mangled: string): boolean {
    if (!mangled.startsWith('_R')) return false;
    mangled = mangled.slice(2);
    const dot = mangled.indexOf('.');
    this.input = dot < 0 ? mangled : mangled.slice(0, dot);

    this.demanglePath(false);
    if (this.position !== this.input.length) {
      const saved = this.printing;
      this.printing = false;
      this.demanglePath(false);
      this.printing = saved;
    }
    if (this.position !== this.input.length) this.error = true;

    if (dot >= 0) {
      this.print(' (');
      this.print(mangled.slice(dot));
      this.print(')');
    }
    return !this.error;
  }

  private enter(): boolean {
    if (this.error || this.recursionLevel >= this.maxRecursionLevel) {
      this.error = true;
      return false;
    }
    return true;
  }

  /**
   * <path> = "C" <identifier>               // crate root
   *        | "M" <impl-path> <type>         // <T> (inherent impl)
   *        | "X" <impl-path> <type> <path>  // <T as Trait> (trait impl)
   *        | "Y" <type> <path>              // <T as Trait> (trait definition)
   *        | "N" <ns> <path> <identifier>   // ...::ident (nested path)
   *        | "I" <path> {<generic-arg>} "E" // ...<T, U> (generic args)
   *        | <backref>
   * Returns whether generic arguments were left open (leaveOpen).
   */
  private demanglePath(inType: boolean, leaveOpen = false): boolean {
    if (!this.enter()) return false;
    this.recursionLevel++;
    try {
      switch (this.consume()) {
        case 'C': {
          this.parseOptionalBase62Number('s');
          this.printIdentifier(this.parseIdentifier());
          break;
        }
        case 'M': {
          this.demangleImplPath(inType);
          this.print('<');
          this.demangleType();
          this.print('>');
          break;
        }
        case 'X': {
          this.demangleImplPath(inType);
          this.print('<');
          this.demangleType();
          this.print(' as ');
          this.demanglePath(true);
          this.print('>');
          break;
        }
        case 'Y': {
          this.print('<');
          this.demangleType();
          this.print(' as ');
          this.demanglePath(true);
          this.print('>');
          break;
        }
        case 'N': {
          const ns = this.consume();
          if (!rIsLower(ns) && !rIsUpper(ns)) {
            this.error = true;
            break;
          }
          this.demanglePath(inType);
          const disambiguator = this.parseOptionalBase62Number('s');
          const ident = this.parseIdentifier();
          if (rIsUpper(ns)) {
            // Special namespaces
            this.print('::{');
            if (ns === 'C') this.print('closure');
            else if (ns === 'S') this.print('shim');
            else this.print(ns);
            if (ident.name !== '') {
              this.print(':');
              this.printIdentifier(ident);
            }
            this.print('#');
            this.printDecimalNumber(disambiguator);
            this.print('}');
          } else if (ident.name !== '') {
            // Implementation internal namespaces.
            this.print('::');
            this.printIdentifier(ident);
          }
          break;
        }
        case 'I': {
          this.demanglePath(inType);
          // Omit "::" when in a type, where it is optional.
          if (!inType) this.print('::');
          this.print('<');
          for (let i = 0; !this.error && !this.consumeIf('E'); ++i) {
            if (i > 0) this.print(', ');
            this.demangleGenericArg();
          }
          if (leaveOpen) return true;
          this.print('>');
          break;
        }
        case 'B': {
          let isOpen = false;
          this.demangleBackref(() => {
            isOpen = this.demanglePath(inType, leaveOpen);
          });
          return isOpen;
        }
        default:
          this.error = true;
          break;
      }
      return false;
    } finally {
      this.recursionLevel--;
    }
  }

  /** <impl-path> = [<disambiguator>] <path> */
  private demangleImplPath(inType: boolean): void {
    const saved = this.printing;
    this.printing = false;
    this.parseOptionalBase62Number('s');
    this.demanglePath(inType);
    this.printing = saved;
  }

  /** <generic-arg> = <lifetime> | <type> | "K" <const> */
  private demangleGenericArg(): void {
    if (this.consumeIf('L')) this.printLifetime(this.parseBase62Number());
    else if (this.consumeIf('K')) this.demangleConst();
    else this.demangleType();
  }

  private demangleBackref(f: () => void): void {
    const backref = this.parseBase62Number();
    if (this.error || backref >= BigInt(this.position)) {
      this.error = true;
      return;
    }
    if (!this.printing) return;
    const saved = this.position;
    this.position = Number(backref);
    f();
    this.position = saved;
  }

  /**
   * <type> = <basic-type> | <path> | "A" <type> <const> | "S" <type>
   *        | "T" {<type>} "E" | "R" [<lifetime>] <type> | "Q" [<lifetime>] <type>
   *        | "P" <type> | "O" <type> | "F" <fn-sig> | "D" <dyn-bounds> <lifetime>
   *        | <backref>
   */
  private demangleType(): void {
    if (!this.enter()) return;
    this.recursionLevel++;
    try {
      const start = this.position;
      const c = this.consume();
      const basic = RUST_BASIC_TYPES[c];
      if (basic !== undefined && c !== '\0') {
        this.print(basic);
        return;
      }
      switch (c) {
        case 'A':
          this.print('[');
          this.demangleType();
          this.print('; ');
          this.demangleConst();
          this.print(']');
          break;
        case 'S':
          this.print('[');
          this.demangleType();
          this.print(']');
          break;
        case 'T': {
          this.print('(');
          let i = 0;
          for (; !this.error && !this.consumeIf('E'); ++i) {
            if (i > 0) this.print(', ');
            this.demangleType();
          }
          if (i === 1) this.print(',');
          this.print(')');
          break;
        }
        case 'R':
        case 'Q':
          this.print('&');
          if (this.consumeIf('L')) {
            const lifetime = this.parseBase62Number();
            if (lifetime !== 0n) {
              this.printLifetime(lifetime);
              this.print(' ');
            }
          }
          if (c === 'Q') this.print('mut ');
          this.demangleType();
          break;
        case 'P':
          this.print('*const ');
          this.demangleType();
          break;
        case 'O':
          this.print('*mut ');
          this.demangleType();
          break;
        case 'F':
          this.demangleFnSig();
          break;
        case 'D':
          this.demangleDynBounds();
          if (this.consumeIf('L')) {
            const lifetime = this.parseBase62Number();
            if (lifetime !== 0n) {
              this.print(' + ');
              this.printLifetime(lifetime);
            }
          } else {
            this.error = true;
          }
          break;
        case 'B':
          this.demangleBackref(() => this.demangleType());
          break;
        default:
          this.position = start;
          this.demanglePath(true);
          break;
      }
    } finally {
      this.recursionLevel--;
    }
  }

  /**
   * <fn-sig> := [<binder>] ["U"] ["K" <abi>] {<type>} "E" <type>
   * <abi> = "C" | <undisambiguated-identifier>
   */
  private demangleFnSig(): void {
    const savedBound = this.boundLifetimes;
    this.demangleOptionalBinder();
    if (this.consumeIf('U')) this.print('unsafe ');
    if (this.consumeIf('K')) {
      this.print('extern "');
      if (this.consumeIf('C')) {
        this.print('C');
      } else {
        const ident = this.parseIdentifier();
        if (ident.punycode) this.error = true;
        // When mangling ABI string, the "-" is replaced with "_".
        for (const ch of ident.name) this.print(ch === '_' ? '-' : ch);
      }
      this.print('" ');
    }
    this.print('fn(');
    for (let i = 0; !this.error && !this.consumeIf('E'); ++i) {
      if (i > 0) this.print(', ');
      this.demangleType();
    }
    this.print(')');
    if (this.consumeIf('u')) {
      // Skip the unit type from the output.
    } else {
      this.print(' -> ');
      this.demangleType();
    }
    this.boundLifetimes = savedBound;
  }

  /** <dyn-bounds> = [<binder>] {<dyn-trait>} "E" */
  private demangleDynBounds(): void {
    const savedBound = this.boundLifetimes;
    this.print('dyn ');
    this.demangleOptionalBinder();
    for (let i = 0; !this.error && !this.consumeIf('E'); ++i) {
      if (i > 0) this.print(' + ');
      this.demangleDynTrait();
    }
    this.boundLifetimes = savedBound;
  }

  /**
   * <dyn-trait> = <path> {<dyn-trait-assoc-binding>}
   * <dyn-trait-assoc-binding> = "p" <undisambiguated-identifier> <type>
   */
  private demangleDynTrait(): void {
    let isOpen = this.demanglePath(true, true);
    while (!this.error && this.consumeIf('p')) {
      if (!isOpen) {
        isOpen = true;
        this.print('<');
      } else {
        this.print(', ');
      }
      this.print(this.parseIdentifier().name);
      this.print(' = ');
      this.demangleType();
    }
    if (isOpen) this.print('>');
  }

  /** <binder> = "G" <base-62-number>; updates the number of bound lifetimes. */
  private demangleOptionalBinder(): void {
    const binder = this.parseOptionalBase62Number('G');
    if (this.error || binder === 0n) return;
    // Reject inputs too short to reference all bound lifetimes.
    if (binder >= BigInt(this.input.length) - this.boundLifetimes) {
      this.error = true;
      return;
    }
    this.print('for<');
    for (let i = 0n; i !== binder; ++i) {
      this.boundLifetimes += 1n;
      if (i > 0n) this.print(', ');
      this.printLifetime(1n);
    }
    this.print('> ');
  }

  /** <const> = <basic-type> <const-data> | "p" | <backref> */
  private demangleConst(): void {
    if (!this.enter()) return;
    this.recursionLevel++;
    try {
      const c = this.consume();
      switch (c) {
        case 'a':
        case 's':
        case 'l':
        case 'x':
        case 'n':
        case 'i':
        case 'h':
        case 't':
        case 'm':
        case 'y':
        case 'o':
        case 'j':
          this.demangleConstInt();
          break;
        case 'b':
          this.demangleConstBool();
          break;
        case 'c':
          this.demangleConstChar();
          break;
        case 'p':
          this.print('_');
          break;
        case 'B':
          this.demangleBackref(() => this.demangleConst());
          break;
        default:
          this.error = true;
          break;
      }
    } finally {
      this.recursionLevel--;
    }
  }

  /** <const-data> = ["n"] <hex-number> */
  private demangleConstInt(): void {
    if (this.consumeIf('n')) this.print('-');
    const [value, hexDigits] = this.parseHexNumber();
    if (hexDigits.length <= 16) {
      this.printDecimalNumber(value);
    } else {
      this.print('0x');
      this.print(hexDigits);
    }
  }

  /** <const-data> = "0_" | "1_" */
  private demangleConstBool(): void {
    const [, hexDigits] = this.parseHexNumber();
    if (hexDigits === '0') this.print('false');
    else if (hexDigits === '1') this.print('true');
    else this.error = true;
  }

  /** <const-data> = <hex-number> */
  private demangleConstChar(): void {
    const [codePoint, hexDigits] = this.parseHexNumber();
    if (this.error || hexDigits.length > 6) {
      this.error = true;
      return;
    }
    this.print("'");
    switch (codePoint) {
      case 9n:
        this.print('\\t');
        break;
      case 13n:
        this.print('\\r');
        break;
      case 10n:
        this.print('\\n');
        break;
      case 92n:
        this.print('\\\\');
        break;
      case 34n:
        this.print('"');
        break;
      case 39n:
        this.print("\\'");
        break;
      default:
        if (codePoint >= 0x20n && codePoint <= 0x7en) {
          this.print(String.fromCharCode(Number(codePoint)));
        } else {
          this.print('\\u{');
          this.print(hexDigits);
          this.print('}');
        }
        break;
    }
    this.print("'");
  }

  /** <undisambiguated-identifier> = ["u"] <decimal-number> ["_"] <bytes> */
  private parseIdentifier(): RustIdentifier {
    const punycode = this.consumeIf('u');
    const bytes = this.parseDecimalNumber();
    // Underscore resolves the ambiguity when identifier starts with a decimal
    // digit or another underscore.
    this.consumeIf('_');
    if (this.error || bytes > BigInt(this.input.length - this.position)) {
      this.error = true;
      return { name: '', punycode: false };
    }
    const n = Number(bytes);
    const s = this.input.slice(this.position, this.position + n);
    this.position += n;
    for (const ch of s) {
      if (!rIsValid(ch)) {
        this.error = true;
        return { name: '', punycode: false };
      }
    }
    return { name: s, punycode };
  }

  /** An optional base-62 number introduced by `tag`: 0 when absent, else value + 1. */
  private parseOptionalBase62Number(tag: string): bigint {
    if (!this.consumeIf(tag)) return 0n;
    const n = this.parseBase62Number();
    if (this.error || n === U64_MAX) {
      if (!this.error) this.error = true;
      return 0n;
    }
    return n + 1n;
  }

  /** <base-62-number> = {<0-9a-zA-Z>} "_"; "_" is 0, "0_" is 1, ... */
  private parseBase62Number(): bigint {
    if (this.consumeIf('_')) return 0n;
    let value = 0n;
    for (;;) {
      const c = this.consume();
      let digit: number;
      if (c === '_') break;
      else if (rIsDigit(c)) digit = c.charCodeAt(0) - 48;
      else if (rIsLower(c)) digit = 10 + c.charCodeAt(0) - 97;
      else if (rIsUpper(c)) digit = 36 + c.charCodeAt(0) - 65;
      else {
        this.error = true;
        return 0n;
      }
      value = value * 62n + BigInt(digit);
      if (value > U64_MAX) {
        this.error = true;
        return 0n;
      }
    }
    if (value === U64_MAX) {
      this.error = true;
      return 0n;
    }
    return value + 1n;
  }

  /** <decimal-number> = "0" | <1-9> {<0-9>} */
  private parseDecimalNumber(): bigint {
    const c = this.look();
    if (!rIsDigit(c)) {
      this.error = true;
      return 0n;
    }
    if (c === '0') {
      this.consume();
      return 0n;
    }
    let value = 0n;
    while (rIsDigit(this.look())) {
      value = value * 10n + BigInt(this.consume().charCodeAt(0) - 48);
      if (value > U64_MAX) {
        this.error = true;
        return 0n;
      }
    }
    return value;
  }

  /** <hex-number> = "0_" | <1-9a-f> {<0-9a-f>} "_"; returns [value mod 2^64, digits]. */
  private parseHexNumber(): [bigint, string] {
    const start = this.position;
    let value = 0n;
    const c0 = this.look();
    if (!(rIsDigit(c0) || (c0 >= 'a' && c0 <= 'f' && c0.length === 1))) this.error = true;
    if (this.consumeIf('0')) {
      if (!this.consumeIf('_')) this.error = true;
    } else {
      while (!this.error && !this.consumeIf('_')) {
        const c = this.consume();
        if (rIsDigit(c)) value = (value * 16n + BigInt(c.charCodeAt(0) - 48)) & U64_MAX;
        else if (c >= 'a' && c <= 'f' && c.length === 1) value = (value * 16n + BigInt(10 + c.charCodeAt(0) - 97)) & U64_MAX;
        else this.error = true;
      }
    }
    if (this.error) return [0n, ''];
    return [value, this.input.slice(start, this.position - 1)];
  }

  private print(str: string): void {
    if (this.error || !this.printing) return;
    this.out += str;
  }

  private printDecimalNumber(n: bigint): void {
    if (this.error || !this.printing) return;
    this.out += n.toString();
  }

  /**
   * Prints a lifetime. Index 0 is an erased lifetime; others are De Bruijn
   * indices referring to lifetimes bound by enclosing binders.
   */
  private printLifetime(index: bigint): void {
    if (index === 0n) {
      this.print("'_");
      return;
    }
    if (index - 1n >= this.boundLifetimes) {
      this.error = true;
      return;
    }
    const depth = this.boundLifetimes - index;
    this.print("'");
    if (depth < 26n) {
      this.print(String.fromCharCode(97 + Number(depth)));
    } else {
      this.print('z');
      this.printDecimalNumber(depth - 26n + 1n);
    }
  }

  private printIdentifier(ident: RustIdentifier): void {
    if (this.error || !this.printing) return;
    if (ident.punycode) {
      const decoded = decodePunycode(ident.name);
      if (decoded === null) this.error = true;
      else this.out += decoded;
    } else {
      this.print(ident.name);
    }
  }

  private look(): string {
    if (this.error || this.position >= this.input.length) return '\0';
    return this.input[this.position]!;
  }

  private consume(): string {
    if (this.error || this.position >= this.input.length) {
      this.error = true;
      return '\0';
    }
    return this.input[this.position++]!;
  }

  private consumeIf(prefix: string): boolean {
    if (this.error || this.position >= this.input.length || this.input[this.position] !== prefix) return false;
    this.position += 1;
    return true;
  }
}

/** llvm::rustDemangle: the demangled text, or null. */
function rustDemangle(s: string): string | null {
  if (!s.startsWith('_R')) return null;
  const d = new RustDemangler();
  return d.demangle(s) ? d.out : null;
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/** llvm::itaniumDemangle: the demangled text, or null. `s` holds one byte per char. */
function itaniumDemangle(s: string): string | null {
  if (s.length === 0) return null;
  const parser = new Parser(s);
  const ast = parser.parse();
  if (ast === null) return null;
  const ob = new OutputBuffer();
  ast.print(ob);
  return ob.s;
}

/** Whether a name is tried as Itanium: 1-4 underscores then `Z`, after an optional `__alloc_token_<n>_`. */
function isItaniumEncoding(s: string): boolean {
  let i = 0;
  if (s.startsWith('__alloc_token_')) {
    i = '__alloc_token_'.length;
    if (i < s.length && isDigit(s[i]!)) {
      while (i < s.length && isDigit(s[i]!)) i++;
      if (s[i] === '_') i++;
    }
  }
  let pos = i;
  while (pos < s.length && s[pos] === '_') pos++;
  const n = pos - i;
  return n > 0 && n <= 4 && s[pos] === 'Z';
}

/** llvm::nonMicrosoftDemangle: Itanium and Rust v0 names (D only for `_Dmain`). */
function nonMicrosoftDemangle(s: string, canHaveLeadingDot: boolean): string | null {
  let prefix = '';
  // Do not consider the dot prefix as part of the demangled symbol name.
  if (canHaveLeadingDot && s.length > 0 && s[0] === '.') {
    s = s.slice(1);
    prefix = '.';
  }
  let d: string | null = null;
  if (isItaniumEncoding(s)) d = itaniumDemangle(s);
  else if (s.startsWith('_R')) d = rustDemangle(s);
  else if (s === '_Dmain') d = 'D main'; // the only D name handled here (see the header)
  return d === null ? null : prefix + d;
}

function llvmDemangle(s: string): string {
  let r = nonMicrosoftDemangle(s, true);
  if (r !== null) return r;
  if (s.startsWith('_')) {
    r = nonMicrosoftDemangle(s.slice(1), false);
    if (r !== null) return r;
  }
  return s;
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Results of earlier calls: the name section demangles every function's name in every link, and
 * a process links the same libraries' names again and again. Bounded: dropped when it is full.
 */
const memo = new Map<string, string>();
const MEMO_MAX = 1 << 16;

/** Demangles an Itanium-mangled name exactly as LLVM's llvm::demangle() does; returns the input unchanged when it is not a mangled name or cannot be demangled. */
export function demangle(name: string): string {
  // Cheap rejection: everything demangled here starts with '_' (maybe after a '.').
  if (name.length < 2 || (name[0] !== '_' && name[0] !== '.')) return name;
  const known = memo.get(name);
  if (known !== undefined) return known;
  const out = demangleUncached(name);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(name, out);
  return out;
}

function demangleUncached(name: string): string {
  // The demangler works on bytes (<source-name> lengths count UTF-8 bytes).
  const nonAscii = NON_ASCII.test(name);
  const bytes = nonAscii ? Buffer.from(name, 'utf8').toString('latin1') : name;
  let out: string;
  try {
    out = llvmDemangle(bytes);
  } catch {
    // Malformed input that LLVM would not survive either (e.g. recursion too deep).
    return name;
  }
  if (out === bytes) return name;
  return NON_ASCII.test(out) ? Buffer.from(out, 'latin1').toString('utf8') : out;
}
