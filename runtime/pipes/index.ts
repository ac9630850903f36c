export { Pipe, type PipeOptions, type WaitOptions, type PeekResult, type PipeStats } from "./pipe.js";
export { PipeTable, type PipeDecl } from "./pipe-table.js";
