// json/ (layer 5 of 7, "sending", in assembly/layers.json): the JSON reader and writer. Its files import
// only from this layer and the ones below.
//
// Untrusted JSON: a reader that never aborts and a writer into a ByteBuffer (README, "Untrusted JSON").
export { DEFAULT_MAX_DEPTH, JsonReader, JsonToken } from "./reader";
export { JsonWriter } from "./writer";
export { JsonError, jsonErrorMessage } from "./errors";
