// The tokens a JsonReader returns, what a typed read expects, and the words its error messages use for
// both (reader.ts: errorMessage): the reader's vocabulary, apart from its state machine.

/** What `JsonReader.next` read. */
export enum JsonToken {
  /** Nothing read yet. */
  None = 0,
  ObjectStart = 1,
  ObjectEnd = 2,
  ArrayStart = 3,
  ArrayEnd = 4,
  /** A member name: `tokenPtr`/`tokenLen` are its raw content, `keyIs` compares it. */
  Key = 5,
  /** A string value: `tokenPtr`/`tokenLen` are its raw content (escapes unresolved). */
  String = 6,
  /** A number: `tokenPtr`/`tokenLen` are its text exactly as written. */
  Number = 7,
  True = 8,
  False = 9,
  Null = 10,
  /** The whole text was read and nothing but whitespace followed the value. */
  End = 11,
  /** The reader stopped: see `error` and `errorOffset`. */
  Error = 12,
}

// What a typed read wanted, kept for the message of a `WrongType` or `OutOfRange` (errorMessage).
// @ts-ignore: decorator
@inline export const EXPECT_NOTHING: u8 = 0;
// @ts-ignore: decorator
@inline export const EXPECT_OBJECT: u8 = 1;
// @ts-ignore: decorator
@inline export const EXPECT_ARRAY: u8 = 2;
// @ts-ignore: decorator
@inline export const EXPECT_STRING: u8 = 3;
// @ts-ignore: decorator
@inline export const EXPECT_BOOL: u8 = 4;
// @ts-ignore: decorator
@inline export const EXPECT_MEMBER: u8 = 5;
// @ts-ignore: decorator
@inline export const EXPECT_ELEMENT: u8 = 6;
// @ts-ignore: decorator
@inline export const EXPECT_U32: u8 = 7;
// @ts-ignore: decorator
@inline export const EXPECT_I32: u8 = 8;
// @ts-ignore: decorator
@inline export const EXPECT_U64: u8 = 9;
// @ts-ignore: decorator
@inline export const EXPECT_I64: u8 = 10;
// @ts-ignore: decorator
@inline export const EXPECT_VALUE: u8 = 11;

/** What a typed read wanted, for a message: `expected <this>, found …`. */
export function expectedName(expected: u8): string {
  switch (expected) {
    case EXPECT_OBJECT:
      return "an object";
    case EXPECT_ARRAY:
      return "an array";
    case EXPECT_STRING:
      return "a string";
    case EXPECT_BOOL:
      return "true or false";
    case EXPECT_MEMBER:
      return "a member name or '}'";
    case EXPECT_ELEMENT:
      return "a value or ']'";
    case EXPECT_U32:
      return "an integer (u32)";
    case EXPECT_I32:
      return "an integer (i32)";
    case EXPECT_U64:
      return "an integer (u64)";
    case EXPECT_I64:
      return "an integer (i64)";
    default:
      return "a value";
  }
}

/** The integer type of an integer read (EXPECT_U32 …), or "". */
export function integerTypeName(expected: u8): string {
  switch (expected) {
    case EXPECT_U32:
      return "u32";
    case EXPECT_I32:
      return "i32";
    case EXPECT_U64:
      return "u64";
    case EXPECT_I64:
      return "i64";
    default:
      return "";
  }
}

/** What a read found instead, for a message: `…, found <this>`. */
export function tokenName(token: JsonToken): string {
  switch (token) {
    case JsonToken.ObjectStart:
      return "an object";
    case JsonToken.ObjectEnd:
      return "'}'";
    case JsonToken.ArrayStart:
      return "an array";
    case JsonToken.ArrayEnd:
      return "']'";
    case JsonToken.Key:
      return "a member name";
    case JsonToken.String:
      return "a string";
    case JsonToken.Number:
      return "a number";
    case JsonToken.True:
      return "true";
    case JsonToken.False:
      return "false";
    case JsonToken.Null:
      return "null";
    case JsonToken.End:
      return "the end of the text";
    default:
      return "nothing";
  }
}
