#!/bin/sh
# Runs the parity fuzz and the native tests against the AddressSanitizer + UndefinedBehaviorSanitizer
# build of the addon (npm run build:asan builds it into build/asan/Release/weld.node).
#
#   npm run test:asan                              # 20000 random + 20000 mutated plans
#   WELD_PARITY_ITERATIONS=100000 npm run test:asan
#   WELD_PARITY_SEED=123 npm run test:asan
#
# node is not built with ASan, so the ASan runtime must be loaded first: LD_PRELOAD it (the
# compiler tells where its libasan is). Leak detection is off (node does not free everything at
# exit); any ASan or UBSan report aborts the process, which fails the run.
set -eu
cd "$(dirname "$0")/.."
addon="$PWD/build/asan/Release/weld.node"
if [ ! -f "$addon" ] || [ -n "$(find native CMakeLists.txt -newer "$addon" 2>/dev/null | head -n 1)" ]; then
  npm run build:asan
fi
cxx="${CXX:-c++}"
libasan=$("$cxx" -print-file-name=libasan.so)
case "$libasan" in
  /*) ;;
  *) echo "test-asan: $cxx does not know where libasan.so is ($libasan)" >&2; exit 1 ;;
esac
LD_PRELOAD="$libasan${LD_PRELOAD:+:$LD_PRELOAD}"
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
WELD_NATIVE_ADDON="$addon"
WELD_EXPECT_NATIVE=1
WELD_PARITY_ITERATIONS="${WELD_PARITY_ITERATIONS:-20000}"
export LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS WELD_NATIVE_ADDON WELD_EXPECT_NATIVE WELD_PARITY_ITERATIONS
echo "test-asan: $addon with LD_PRELOAD=$libasan, $WELD_PARITY_ITERATIONS plans per family"
exec node node_modules/vitest/vitest.mjs run test/parity.test.ts test/kernels.test.ts test/native.test.ts "$@"
