export { rowOf, rowsFromLog, renderRows, type AgentRow } from "./status.js";
export { serveControl, controlRequest, handleControl, OPERATOR_SIGNALS, type ControlRequest, type ControlResponse, type ControlServer } from "./server.js";
