// Public API of `agent-control-plane/compiler`.
export { compile, checkSource, type CompileOptions, type CompileResult } from "./compile.js";
export { interpret } from "./interpret.js";
export { format } from "./fmt.js";
export { renderDiagnostic, CODES, type Diagnostic, type Severity } from "../grammar/diagnostics.js";
export type { CheckedPolicy } from "./ir.js";
export { parse } from "../grammar/index.js";
