// The benchmark's programs: generated (deterministic) so their size is known and nothing large
// is committed. `large` is at least 2 MB of objects before libc; `cxx` uses libc++; `small` is
// a hello world.

import { rng } from '../test/support/rng.js';

/** One translation unit of the large program: functions, tables, strings and data pointers. */
function largeUnit(f: number, perFile: number): string {
  const r = rng(1000 + f);
  const out = ['#include <stdio.h>', '#include <string.h>', '#include <stdlib.h>', ''];
  for (let i = 0; i < perFile; i++) {
    const n = f * 10000 + i;
    const nums = Array.from({ length: 8 }, () => Math.floor(r() * 100)).join(', ');
    out.push(`static const char *s${n}[] = {"unit${f} item${i} alpha", "unit${f} item${i} beta", "shared format %d %s\\n"};`);
    out.push(`int g${n}[8] = {${nums}};`);
    out.push(`int *gp${n} = &g${n}[${i % 8}];`);
    out.push(
      `int fn${n}(int x) { int acc = x; for (int k = 0; k < 8; k++) acc += g${n}[k] * (k ^ x); ` +
        `if ((acc & 1023) == ${i % 1024}) printf(s${n}[2], acc, s${n}[x & 1]); ` +
        `char buf[32]; snprintf(buf, sizeof buf, "%d", acc); return acc + (int)strlen(buf) + *gp${n}; }`,
    );
  }
  out.push(`int (*tab${f}[])(int) = {${Array.from({ length: perFile }, (_, i) => `fn${f * 10000 + i}`).join(', ')}};`);
  out.push(`int run${f}(int x) { int s = 0; for (int i = 0; i < ${perFile}; i++) s += tab${f}[i](x + i); return s; }`);
  return out.join('\n') + '\n';
}

export function largeProgram(files = 6, perFile = 700): Record<string, string> {
  const src: Record<string, string> = {};
  for (let f = 0; f < files; f++) src[`unit${f}.c`] = largeUnit(f, perFile);
  const decl = Array.from({ length: files }, (_, f) => `int run${f}(int);`).join('\n');
  const calls = Array.from({ length: files }, (_, f) => `  s += run${f}(s & 7);`).join('\n');
  src['main.c'] = `#include <stdio.h>\n${decl}\nint main(void) {\n  int s = 0;\n${calls}\n  printf("%d\\n", s);\n  return 0;\n}\n`;
  return src;
}

export const cxxProgram: Record<string, string> = {
  'main.cpp': `#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <algorithm>
struct Shape { virtual ~Shape() {} virtual double area() const = 0; virtual std::string name() const = 0; };
struct Circle : Shape { double r; explicit Circle(double r) : r(r) {} double area() const override { return 3.14159 * r * r; } std::string name() const override { return "circle"; } };
struct Rect : Shape { double w, h; Rect(double w, double h) : w(w), h(h) {} double area() const override { return w * h; } std::string name() const override { return "rect"; } };
template <class T> T total(const std::vector<T> &v) { T t{}; for (const auto &x : v) t += x; return t; }
int main() {
  std::vector<std::unique_ptr<Shape>> shapes;
  for (int i = 0; i < 50; i++) { if (i % 2) shapes.emplace_back(new Circle(i)); else shapes.emplace_back(new Rect(i, i + 1)); }
  std::map<std::string, std::vector<double>> byName;
  for (auto &s : shapes) byName[s->name()].push_back(s->area());
  for (auto &[name, v] : byName) { std::sort(v.begin(), v.end()); std::printf("%s %zu %.1f\\n", name.c_str(), v.size(), total(v)); }
  return 0;
}
`,
};

export const smallProgram: Record<string, string> = {
  'hello.c': '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n',
};
