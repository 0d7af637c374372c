// Types of `shrinkwasm/wasm`: the engine's WebAssembly module
// (build/shrinkwasm.wasm). Runtimes and bundlers that import .wasm files as
// modules (Cloudflare Workers, wrangler, esbuild with a wasm loader) give a
// compiled WebAssembly.Module: pass it to Engine.create. Elsewhere resolve the
// file (import.meta.resolve("shrinkwasm/wasm")) and pass its URL or bytes.
declare const module: WebAssembly.Module;
export default module;
