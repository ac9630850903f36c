// The decision server's errors: each answers HTTP with a stable code (docs/gateway.md lists them).
export type ServeErrorCode =
  | "E1201" // the body is not JSON
  | "E1202" // the JSON is not a request, nor a batch of requests
  | "E1203" // the body is larger than the server takes
  | "E1204" // no such route
  | "E1205" // the method is not the route's
  | "E1206"; // the flight recorder failed: no decision is given unrecorded

const STATUS: Record<ServeErrorCode, number> = { E1201: 400, E1202: 400, E1203: 400, E1204: 404, E1205: 405, E1206: 503 };

export class ServeError extends Error {
  constructor(readonly code: ServeErrorCode, message: string) {
    super(message);
    this.name = "ServeError";
  }

  get status(): number { return STATUS[this.code]; }

  /** The body of the answer: `{ "error": { "code", "message" } }`. */
  toJson(): string { return JSON.stringify({ error: { code: this.code, message: this.message } }); }
}
