// The version weld reports, and the wasm-ld it matches.
export const WELD_VERSION = '0.1.0';
export const LLD_COMPAT = 'LLD 22';
