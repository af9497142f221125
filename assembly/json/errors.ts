// Why a JSON text was refused: a code and a static message (no allocation), reported with the byte
// offset where the reader found it (JsonReader.errorOffset). JsonReader.errorMessage() adds what a read
// expected and found, and the member's name, when asked.

/** Why a JsonReader stopped. `None` while it has not. */
export enum JsonError {
  /** No error. */
  None = 0,
  /** The text ended inside a value, or before any value. */
  UnexpectedEnd = 1,
  /** A byte that cannot start a value (or a literal that is not `true`, `false` or `null`). */
  ExpectedValue = 2,
  /** A byte that cannot start a member name (`"` expected). */
  ExpectedKey = 3,
  /** No `:` after a member name. */
  ExpectedColon = 4,
  /** No `,` or closing bracket after a value in an object or array. */
  ExpectedCommaOrEnd = 5,
  /** Bytes other than whitespace after the top-level value. */
  TrailingBytes = 6,
  /** A string with a byte sequence that is not UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
  InvalidUtf8 = 7,
  /** A raw control character (below U+0020) in a string. */
  ControlInString = 8,
  /** A backslash escape that is not one of `\" \\ \/ \b \f \n \r \t \uXXXX`. */
  InvalidEscape = 9,
  /** A `\u` escape of a surrogate that is not half of a high-low pair. */
  LoneSurrogate = 10,
  /**
   * A number cut short where the grammar needs a digit (`[-]`, `[1.]`, `[1e]`, `1.e5`, `-x`); at the end
   * of the text that is `UnexpectedEnd` (`-`, `1.`). `01` and `.5` are not this: `0` is a whole number
   * followed by a stray byte (`TrailingBytes` or `ExpectedCommaOrEnd`), and `.5` or `+1` cannot start a
   * value (`ExpectedValue`).
   */
  InvalidNumber = 11,
  /** Nesting deeper than the reader's `maxDepth`. */
  TooDeep = 12,
  /** A typed read found another kind of value (a string where a number was asked for, …): errorMessage() says which. */
  WrongType = 13,
  /** An integer read found a fraction or an exponent (`1.5`, `1.0`, `1e3`). */
  NotAnInteger = 14,
  /** An integer read found a value outside the type's range (or a minus sign for an unsigned type). */
  OutOfRange = 15,
  /** The handler refused a member it does not know (`JsonReader.fail`; errorMessage() names it). */
  UnknownMember = 16,
  /** The handler found a member twice (`JsonReader.fail` after `keyIs`; errorMessage() names it). */
  DuplicateMember = 17,
  /** The handler found a required member missing (`JsonReader.fail(MissingMember, name)` names it). */
  MissingMember = 18,
  /** A value the handler does not accept (`JsonReader.fail`). */
  InvalidValue = 19,
  /** `readString` could not allocate the string. */
  NoMemory = 20,
}

/** A short English reason for `error`, a static string ("" for None). */
export function jsonErrorMessage(error: JsonError): string {
  switch (error) {
    case JsonError.None:
      return "";
    case JsonError.UnexpectedEnd:
      return "unexpected end of text";
    case JsonError.ExpectedValue:
      return "expected a value";
    case JsonError.ExpectedKey:
      return "expected a member name";
    case JsonError.ExpectedColon:
      return "expected ':'";
    case JsonError.ExpectedCommaOrEnd:
      return "expected ',' or the end of the object or array";
    case JsonError.TrailingBytes:
      return "bytes after the JSON value";
    case JsonError.InvalidUtf8:
      return "invalid UTF-8";
    case JsonError.ControlInString:
      return "raw control character in a string";
    case JsonError.InvalidEscape:
      return "invalid escape";
    case JsonError.LoneSurrogate:
      return "lone surrogate escape";
    case JsonError.InvalidNumber:
      return "invalid number";
    case JsonError.TooDeep:
      return "nesting too deep";
    case JsonError.WrongType:
      return "wrong type";
    case JsonError.NotAnInteger:
      return "not an integer";
    case JsonError.OutOfRange:
      return "number out of range";
    case JsonError.UnknownMember:
      return "unknown member";
    case JsonError.DuplicateMember:
      return "duplicate member";
    case JsonError.MissingMember:
      return "missing member";
    case JsonError.InvalidValue:
      return "invalid value";
    case JsonError.NoMemory:
      return "out of memory";
    default:
      return "invalid JSON";
  }
}
