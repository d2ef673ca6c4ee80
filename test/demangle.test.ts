import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demangle } from '../lib/util/demangle.js';

// Expected values are LLVM 22's llvm::demangle() output (see
// test/fixtures/demangle/gen-corpus.mjs, which also regenerates corpus.tsv).

const here = dirname(fileURLToPath(import.meta.url));
const corpusPath = join(here, 'fixtures', 'demangle', 'corpus.tsv');

function loadCorpus(): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const line of readFileSync(corpusPath, 'utf8').split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`malformed corpus line: ${line}`);
    rows.push([line.slice(0, tab), line.slice(tab + 1)]);
  }
  return rows;
}

describe('demangle: corpus generated from llvm::demangle (LLVM 22)', () => {
  const rows = loadCorpus();

  it('has a substantial corpus', () => {
    expect(rows.length).toBeGreaterThan(3000);
  });

  it('agrees with LLVM on every corpus line', () => {
    const mismatches: string[] = [];
    for (const [mangled, expected] of rows) {
      const got = demangle(mangled);
      if (got !== expected) mismatches.push(`${mangled}\n  expected: ${expected}\n  got:      ${got}`);
    }
    expect(mismatches.slice(0, 20).join('\n')).toBe('');
    expect(mismatches.length).toBe(0);
  });

  it('is fast enough for every function name of a link', () => {
    const start = performance.now();
    for (let i = 0; i < 3; i++) for (const [mangled] of rows) demangle(mangled);
    // ~15k names; typically well under 200 ms.
    expect(performance.now() - start).toBeLessThan(5000);
  });
});

describe('demangle: hand-written forms', () => {
  const cases: Array<[string, string]> = [
    // Prefixes and suffixes accepted by llvm::demangle.
    ['_Z3foov', 'foo()'],
    ['__Z3fooi', 'foo(int)'],
    ['._Z3foov', '.foo()'],
    ['___Z3foov_block_invoke', 'invocation function for block in foo()'],
    ['____Z3foov_block_invoke_12', 'invocation function for block in foo()'],
    ['_Z3foov.cold', 'foo() (.cold)'],
    ['_Z3foov.llvm.8731', 'foo() (.llvm.8731)'],
    ['_ZN3foo3barEv.isra.0', 'foo::bar() (.isra.0)'],
    // Names, scopes, std:: substitutions and ABI tags.
    ['_ZN12_GLOBAL__N_13fooEv', '(anonymous namespace)::foo()'],
    ['_ZN5Outer5InnerD0Ev', 'Outer::Inner::~Inner()'],
    ['_ZNSsC1Ev', 'std::basic_string<char, std::char_traits<char>, std::allocator<char>>::basic_string()'],
    ['_ZSt4cout', 'std::cout'],
    [
      '_ZNKSt3__16vectorIiNS_9allocatorIiEEE4sizeB8ne190000Ev',
      'std::__1::vector<int, std::__1::allocator<int>>::size[abi:ne190000]() const',
    ],
    [
      '_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE6appendEPKcm',
      'std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char>>::append(char const*, unsigned long)',
    ],
    ['_ZNKSt3__18functionIFiiEEclEi', 'std::__1::function<int (int)>::operator()(int) const'],
    // Lambdas, unnamed types, local entities.
    ['_ZZ4mainENK3$_0clEv', 'main::$_0::operator()() const'],
    ['_ZZ1fvENKUlvE_clEv', "f()::'lambda'()::operator()() const"],
    ['_ZZ1fvENKUlT_E0_clIiEEDaS_', "auto f()::'lambda0'(auto)::operator()<int>(auto) const"],
    ['_ZN1AUt0_1fEv', "A::'unnamed0'::f()"],
    ['_ZZ1fvE1x_0', 'f()::x'],
    ['_ZZ1fvEs', 'f()::string literal'],
    // Special names.
    ['_ZGVZ1fvE1x', 'guard variable for f()::x'],
    ['_ZTWN1A1xE', 'thread-local wrapper routine for A::x'],
    ['_ZTV1A', 'vtable for A'],
    ['_ZTC1A0_1B', 'construction vtable for B-in-A'],
    ['_ZThn8_N1D1fEv', 'non-virtual thunk to D::f()'],
    ['_ZTv0_n24_N1D1fEv', 'virtual thunk to D::f()'],
    ['_ZTch0_h0_N4CovD5cloneEv', 'covariant return thunk to CovD::clone()'],
    // Operators.
    ['_ZN1AcviEv', 'A::operator int()'],
    ['_ZN1AcvPT_IcEEv', 'A::operator char*<char>()'],
    ['_ZN1AssERKS_', 'A::operator<=>(A const&)'],
    ['_Zli2_kmy', 'operator"" _k(unsigned long, unsigned long long)'],
    // Declarators: function pointers, arrays, members, qualifiers.
    ['_Z1fPFviE', 'f(void (*)(int))'],
    ['_Z1fPFPFvvEiE', 'f(void (* (*)(int))())'],
    ['_Z1fRA3_i', 'f(int (&) [3])'],
    ['_Z1fPA3_A4_i', 'f(int (*) [3][4])'],
    ['_Z1fM1AKFivE', 'f(int (A::*)() const)'],
    ['_Z1fM1Ai', 'f(int A::*)'],
    ['_Z1fPVKi', 'f(int const volatile*)'],
    ['_ZNKR1S1fEv', 'S::f() const &'],
    ['_ZNVO1S1gEv', 'S::g() volatile &&'],
    ['_ZNH4Self5byvalES_', 'Self::byval(this Self)'],
    // Vendor and extended types.
    ['_Z1fPU3AS1i', 'f(int AS1*)'],
    ['_Z1fPU11objcproto1A11objc_object', 'f(id<A>)'],
    ['_Z1fDv4_f', 'f(float vector[4])'],
    ['_Z1fDB8_S_', 'f(_BitInt(8), _BitInt(8))'],
    ['_Z1fDF16b', 'f(std::bfloat16_t)'],
    ['_Z1fCd', 'f(double complex)'],
    ['_Z1fiz', 'f(int, ...)'],
    // Template arguments and literals.
    ['_Z1fIJidEEvDpT_', 'void f<int, double>(int, double)'],
    ['_Z1fIJEEvDpT_', 'void f<>()'],
    ['_Z1fILin1EEvv', 'void f<-1>()'],
    ['_Z1fILj5EEvv', 'void f<5u>()'],
    ['_Z1fILc97EEvv', 'void f<(char)97>()'],
    ['_Z1fILb1EEvv', 'void f<true>()'],
    ['_Z1fILDnEEvv', 'void f<nullptr>()'],
    ['_Z1fIL1En2EEvv', 'void f<(E)-2>()'],
    ['_Z1fILf40100000EEvv', 'void f<0x1.2p+1f>()'],
    ['_Z1fILd3ff8000000000000EEvv', 'void f<0x1.8p+0>()'],
    ['_Z1fILd0000000000000001EEvv', 'void f<0x0.0000000000001p-1022>()'],
    ['_Z1fILdfff8000000000000EEvv', 'void f<-nan>()'],
    ['_Z1fILe3fff8000000000000000EEvv', 'void f<0x8p-3L>()'],
    ['_Z1fIXadL_Z1gvEEEvv', 'void f<&g()>()'],
    ['_Z1fIXtl1PLi1ELi2EEEEvv', 'void f<P{1, 2}>()'],
    ['_ZTAXtl1PLi1ELi2EEE', 'template parameter object for P{1, 2}'],
    ['_Z1fIXtlA4_cLc1ELc50ELc10EEEEvv', 'void f<"\\1""2\\n">()'],
    // Expressions; '>' is parenthesized unless already in parentheses inside template args.
    ['_Z1fIXgtLi1ELi2EEEvv', 'void f<(1 > 2)>()'],
    ['_Z1fIXcvicl1gIXgtLi1ELi2EEEEEEvv', 'void f<(int)(g<1 > 2>())>()'],
    ['_Z1fILi3EEDTqugtT_Li2ELi3ELi4EEv', 'decltype((3 > 2) ? 3 : 4) f<3>()'],
    [
      '_Z2dtINSt3__112basic_stringIcNS0_11char_traitsIcEENS0_9allocatorIcEEEEEDTcldtfp_4sizeEET_',
      'decltype(fp.size()) dt<std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char>>>(std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char>>)',
    ],
    ['_Z3sumIJiiiEEiDpT_', 'int sum<int, int, int>(int, int, int)'],
    // Constraints, modules, structured bindings, enable_if.
    // Inside a requires-clause template parameters print by their mangled name.
    ['_Z5twiceIlQsr3stdE8integralIT_EES0_S0_', 'T twice<long>(T)'],
    ['_Z6thriceIlET_S0_QgtstS0_Li1E', 'long thrice<long>(long) requires (sizeof (long) > 1)'],
    ['_ZW3Mod2mfi', 'mf@Mod(int)'],
    ['_ZGIW3Mod', 'initializer for module Mod'],
    ['_ZDC3sb13sb2E', '[sb1, sb2]'],
    ['_ZN1nDC3sb13sb2EE', 'n::[sb1, sb2]'],
    ['_Z6enableUa9enable_ifIXgtfL0p_Li0EEEi', 'enable(int) [enable_if:(fp > 0)]'],
    // Rust: legacy mangling is Itanium-shaped; v0 has its own demangler.
    ['_ZN4core3fmt5write17hc1b2a3d4e5f6a7b8E', 'core::fmt::write::hc1b2a3d4e5f6a7b8'],
    ['_RNvC6_123foo3bar', '123foo::bar'],
    ['__RNvC6_123foo3bar', '123foo::bar'],
    ['_RNvC6_123foo3bar.llvm.123', '123foo::bar (.llvm.123)'],
    ['_RINvCsbs98R3OSHEp_3lib7generichKj3_EB2_', 'lib::generic::<u8, 3>'],
    [
      '_RINvMNtNtCs8NwYtU1Mohg_4core3fmt2rtNtB3_8Argument9new_debugRhECsbs98R3OSHEp_3lib',
      '<core::fmt::rt::Argument>::new_debug::<&u8>',
    ],
    ['_RNvNtCsbs98R3OSHEp_3libu10nicode_2yau9gre_6ka8l', 'lib::ünicode::grüße'],
    ['_Dmain', 'D main'],
    // Source-name lengths count UTF-8 bytes.
    ['_Z5fööv', 'föö()'],
  ];

  it.each(cases)('%s', (mangled, expected) => {
    expect(demangle(mangled)).toBe(expected);
  });
});

describe('demangle: inputs returned unchanged', () => {
  const unchanged = [
    '',
    'main',
    '__main_argc_argv',
    '__cxa_atexit',
    '_start',
    'malloc',
    'Z',
    '.',
    '.L.str',
    'foo._Z3foov',
    '_Z',
    '_Z1',
    '_Z3fo',
    '_ZDC2sb12sb2E',
    '_Z3foovv',
    '_ZN',
    '_Zzz',
    '_ZNonsense',
    '_Z1fS_',
    '_Z1fIiEvT0_',
    '__Z',
    '___Z',
    '____Z3foov',
    '_____Z3foov',
    '__imp__Z3foov',
    '__alloc_token_0__Znwm',
    '_ZN3föo3barEv',
    '_R',
    '_RNvC3foo',
    '_D3foo3barFZv',
  ];

  it.each(unchanged.map((n) => [n.length > 40 ? n.slice(0, 40) + '...' : n, n]))('%s', (_label, name) => {
    expect(demangle(name)).toBe(name);
  });

  it('does not throw on absurdly deep nesting', () => {
    const deep = '_Z1f' + 'P'.repeat(100000) + 'i';
    expect(() => demangle(deep)).not.toThrow();
    expect(demangle('_Z1f' + 'P'.repeat(1000) + 'i')).toBe('f(int' + '*'.repeat(1000) + ')');
  });
});
