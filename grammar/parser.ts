// The .acp grammar as a chevrotain CST parser (see acp.ebnf for the same grammar on one page).
// Recovery is on so that one run reports every syntax error; `to-ast.ts` turns the CST into the AST.
import { CstParser, EOF, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import * as T from "./lexer.js";

/** An error the grammar itself detects (beyond what chevrotain reports), e.g. chained comparisons. */
export interface GrammarError {
  token: IToken;
  message: string;
  /** Reported by `junk`: not an error of its own when recovery from another error resumed there. */
  junk?: boolean;
}

export const ITEM_EXPECTATION = "an effect (allow, deny, kill, stop, audit) or a declaration";
const TARGET_EXPECTATION =
  "a target (fs.read, fs.write, fs.list, fs.delete, net.fetch, tool, pipe.send, pipe.recv, spawn, signal, checkpoint or *)";

/** How a token is named in "found …". */
export function describeToken(t: IToken): string {
  if (tokenMatcher(t, EOF)) return "end of file";
  if (tokenMatcher(t, T.StringLit)) return `the string ${t.image}`;
  return `"${t.image}"`;
}

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

function oneOf(labels: string[]): string {
  const uniq = [...new Set(labels)];
  if (uniq.length <= 1) return uniq[0] ?? "something else";
  return `${uniq.slice(0, -1).join(", ")} or ${uniq[uniq.length - 1]}`;
}

/** In these rules a missing closer may just as well be a missing comma. */
const CLOSER_HINTS: Record<string, { closer: TokenType; text: string }> = {
  recordType: { closer: T.RCurly, text: '"," or "}"' },
  listLit: { closer: T.RBracket, text: '"," or "]"' },
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    if (expected === EOF) return `expected end of file after the policy, found ${describeToken(actual)}`;
    const hint = CLOSER_HINTS[ruleName];
    if (hint && hint.closer === expected) return `expected ${hint.text}, found ${describeToken(actual)}`;
    return `expected ${label(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected end of file after the policy, found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, customUserDescription }) {
    const found = actual[0];
    const what = customUserDescription ?? oneOf(expectedPathsPerAlt.flatMap((paths) => paths.map((p) => (p[0] ? label(p[0]) : "end of input"))));
    return `expected ${what}, found ${found ? describeToken(found) : "end of file"}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, customUserDescription }) {
    const found = actual[0];
    const what = customUserDescription ?? oneOf(expectedIterationPaths.map((p) => (p[0] ? label(p[0]) : "end of input")));
    return `expected ${what}, found ${found ? describeToken(found) : "end of file"}`;
  },
};

/** The `}` tokens that close a policy: the file's last `}` and any `}` right before another
 *  `policy`. Every other `}` that recovery meets is stray, so one missing `{` or `}` inside an item
 *  cannot end the policy early and hide the errors after it. */
function policyClosers(tokens: IToken[]): Set<IToken> {
  const closers = new Set<IToken>();
  let last: IToken | undefined;
  tokens.forEach((t, i) => {
    if (!tokenMatcher(t, T.RCurly)) return;
    last = t;
    const next = tokens[i + 1];
    if (next && tokenMatcher(next, T.Policy)) closers.add(t);
  });
  if (last) closers.add(last);
  return closers;
}

export class AcpParser extends CstParser {
  /** Errors found by grammar actions; reset with the input. */
  grammarErrors: GrammarError[] = [];
  private closers = new Set<IToken>();

  constructor() {
    super(T.allTokens, { recoveryEnabled: true, nodeLocationTracking: "onlyOffset", maxLookahead: 3, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  override reset(): void {
    super.reset();
    this.grammarErrors = [];
  }

  /** Sets the input; call before `file()`. */
  load(tokens: IToken[]): void {
    this.input = tokens;
    this.closers = policyClosers(tokens);
  }

  private atCloser(): boolean {
    return this.closers.has(this.LA(1));
  }

  /** Recovery skips a broken item up to the end of its line, through any stray `}`, but never
   *  past the policy's own `}`: errors on later lines are then reported independently. */
  private junkContinues(): boolean {
    const next = this.LA(1);
    if (tokenMatcher(next, EOF) || this.closers.has(next)) return false;
    return tokenMatcher(next, T.RCurly) || next.startLine === this.LA(0).endLine;
  }

  // ---------- file and items ----------

  /** More than one policy parses (so its errors are reported too) and is rejected with E0122. */
  file = this.RULE("file", () => {
    this.SUBRULE(this.policyDecl);
    this.MANY(() => this.SUBRULE2(this.policyDecl));
  });

  policyDecl = this.RULE("policyDecl", () => {
    this.CONSUME(T.Policy);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LCurly);
    this.MANY({ GATE: () => !this.atCloser(), DEF: () => this.SUBRULE(this.item) });
    this.CONSUME(T.RCurly);
  });

  item = this.RULE("item", () => {
    this.OR({
      ERR_MSG: ITEM_EXPECTATION,
      DEF: [
        { ALT: () => this.SUBRULE(this.versionDecl) },
        { ALT: () => this.SUBRULE(this.onDecl) },
        { ALT: () => this.SUBRULE(this.typeDecl) },
        { ALT: () => this.SUBRULE(this.toolDecl) },
        { ALT: () => this.SUBRULE(this.constDecl) },
        { ALT: () => this.SUBRULE(this.pipeDecl) },
        { ALT: () => this.SUBRULE(this.limitDecl) },
        { ALT: () => this.SUBRULE(this.assertDecl) },
        { ALT: () => this.SUBRULE(this.ruleDecl) },
        { GATE: () => !this.atCloser(), ALT: () => this.SUBRULE(this.junk) },
      ],
    });
  });

  /** Not an item: one error, then the rest of the line is skipped (see `junkContinues`). Error
   *  recovery inside an item also lands here, because every junk token follows an item. */
  junk = this.RULE("junk", () => {
    const first: IToken = this.OR([{ ALT: () => this.CONSUME(T.Junk) }, { ALT: () => this.CONSUME(T.RCurly) }]);
    this.ACTION(() => {
      this.grammarErrors.push({ token: first, message: `expected ${ITEM_EXPECTATION}, found ${describeToken(first)}`, junk: true });
    });
    this.MANY({ GATE: () => this.junkContinues(), DEF: () => this.CONSUME(T.AnyToken) });
  });

  versionDecl = this.RULE("versionDecl", () => {
    this.CONSUME(T.Version);
    this.CONSUME(T.StringLit);
  });

  onDecl = this.RULE("onDecl", () => {
    this.CONSUME(T.On);
    this.CONSUME(T.Violation);
    this.OR({
      ERR_MSG: '"kill", "deny" or "stop"',
      DEF: [{ ALT: () => this.CONSUME(T.Kill) }, { ALT: () => this.CONSUME(T.Deny) }, { ALT: () => this.CONSUME(T.Stop) }],
    });
  });

  typeDecl = this.RULE("typeDecl", () => {
    this.CONSUME(T.Type);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.typeExpr);
  });

  toolDecl = this.RULE("toolDecl", () => {
    this.CONSUME(T.Tool);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.typeExpr);
    this.CONSUME(T.RParen);
  });

  constDecl = this.RULE("constDecl", () => {
    this.CONSUME(T.Const);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expr);
  });

  /** `pipe NAME: FROM -> TO carries TYPE [capacity N]` */
  pipeDecl = this.RULE("pipeDecl", () => {
    this.CONSUME(T.PipeKw);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.CONSUME2(T.Identifier);
    this.CONSUME(T.Arrow);
    this.CONSUME3(T.Identifier);
    this.CONSUME(T.Carries);
    this.SUBRULE(this.typeExpr);
    this.OPTION(() => {
      this.CONSUME(T.Capacity);
      this.CONSUME(T.NumberLit);
    });
  });

  /** `limit TARGET N per DURATION`; the duration is any number-like token, checked by the lexer (E0121). */
  limitDecl = this.RULE("limitDecl", () => {
    this.CONSUME(T.Limit);
    this.SUBRULE(this.target);
    this.CONSUME(T.NumberLit);
    this.CONSUME(T.Per);
    this.CONSUME2(T.NumberLit);
  });

  assertDecl = this.RULE("assertDecl", () => {
    this.CONSUME(T.Assert);
    this.CONSUME(T.Never);
    this.SUBRULE(this.target);
    this.SUBRULE(this.whenClause);
  });

  ruleDecl = this.RULE("ruleDecl", () => {
    this.OPTION(() => this.SUBRULE(this.annotation));
    this.CONSUME(T.EffectKw);
    this.SUBRULE(this.target);
    this.SUBRULE(this.whenClause);
  });

  /** `@id("…")` */
  annotation = this.RULE("annotation", () => {
    this.CONSUME(T.At);
    this.CONSUME(T.IdKw);
    this.CONSUME(T.LParen);
    this.CONSUME(T.StringLit);
    this.CONSUME(T.RParen);
  });

  whenClause = this.RULE("whenClause", () => {
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.expr);
    });
  });

  target = this.RULE("target", () => {
    this.OR({
      ERR_MSG: TARGET_EXPECTATION,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.Fs);
            this.CONSUME(T.Dot);
            this.OR1({
              ERR_MSG: '"read", "write", "list" or "delete"',
              DEF: [
                { ALT: () => this.CONSUME(T.Read) },
                { ALT: () => this.CONSUME(T.Write) },
                { ALT: () => this.CONSUME(T.List) },
                { ALT: () => this.CONSUME(T.Delete) },
              ],
            });
            this.CONSUME(T.StringLit);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Net);
            this.CONSUME2(T.Dot);
            this.CONSUME(T.Fetch);
            this.CONSUME2(T.StringLit);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Tool);
            this.OR2({
              ERR_MSG: 'a tool name or "*"',
              DEF: [{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Star) }],
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.PipeKw);
            this.CONSUME3(T.Dot);
            this.OR3({
              ERR_MSG: '"send" or "recv"',
              DEF: [{ ALT: () => this.CONSUME(T.Send) }, { ALT: () => this.CONSUME(T.Recv) }],
            });
            this.CONSUME2(T.Identifier);
          },
        },
        { ALT: () => this.CONSUME(T.Spawn) },
        { ALT: () => this.CONSUME(T.Signal) },
        { ALT: () => this.CONSUME(T.Checkpoint) },
        { ALT: () => this.CONSUME2(T.Star) },
      ],
    });
  });

  // ---------- types ----------

  typeExpr = this.RULE("typeExpr", () => {
    this.SUBRULE(this.postfixType);
    this.MANY(() => {
      this.CONSUME(T.Bar);
      this.SUBRULE2(this.postfixType);
    });
  });

  postfixType = this.RULE("postfixType", () => {
    this.SUBRULE(this.primaryType);
    this.MANY(() => this.SUBRULE(this.arraySuffix));
  });

  /** `[]` or `[] max N` */
  arraySuffix = this.RULE("arraySuffix", () => {
    this.CONSUME(T.LBracket);
    this.CONSUME(T.RBracket);
    this.OPTION(() => {
      this.CONSUME(T.Max);
      this.CONSUME(T.NumberLit);
    });
  });

  primaryType = this.RULE("primaryType", () => {
    this.OR({
      ERR_MSG: "a type",
      DEF: [
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.StringLit) },
        { ALT: () => this.SUBRULE(this.recordType) },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.typeExpr);
            this.CONSUME(T.RParen);
          },
        },
      ],
    });
  });

  /** `{ a: T, b?: T }`, trailing comma allowed. */
  recordType = this.RULE("recordType", () => {
    this.CONSUME(T.LCurly);
    this.OPTION(() => {
      this.SUBRULE(this.fieldDecl);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.fieldDecl);
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  fieldDecl = this.RULE("fieldDecl", () => {
    this.CONSUME(T.Name);
    this.OPTION(() => this.CONSUME(T.Question));
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
  });

  // ---------- expressions, loosest first ----------

  expr = this.RULE("expr", () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr);
    });
  });

  andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr);
    });
  });

  notExpr = this.RULE("notExpr", () => {
    this.OR({
      ERR_MSG: "an expression",
      DEF: [
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.cmpExpr) },
      ],
    });
  });

  /** Comparisons do not chain. The grammar accepts a chain so that the error names the second
   *  operator and parsing goes on undisturbed; `a < b < c` is still rejected. */
  cmpExpr = this.RULE("cmpExpr", () => {
    this.SUBRULE(this.rangeExpr);
    let count = 0;
    this.MANY(() => {
      const op: IToken = this.OR1([{ ALT: () => this.CONSUME(T.CmpOp) }, { ALT: () => this.CONSUME(T.In) }]);
      this.SUBRULE2(this.rangeExpr);
      this.ACTION(() => {
        count += 1;
        if (count > 1) {
          this.grammarErrors.push({
            token: op,
            message: `comparisons do not chain: found ${describeToken(op)} after a comparison; combine comparisons with "and"`,
          });
        }
      });
    });
  });

  /** `lo..hi`. Ranges parse wherever an operand may stand, so that one outside `in` reaches the
   *  checker and gets its own error (E0308) instead of a syntax error. */
  rangeExpr = this.RULE("rangeExpr", () => {
    this.SUBRULE(this.unaryExpr);
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.SUBRULE2(this.unaryExpr);
    });
  });

  unaryExpr = this.RULE("unaryExpr", () => {
    this.OR({
      ERR_MSG: "an expression",
      DEF: [
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.postfixExpr) },
      ],
    });
  });

  postfixExpr = this.RULE("postfixExpr", () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.postfixOp));
  });

  /** `.name`, `.name(args)` or `[index]`. */
  postfixOp = this.RULE("postfixOp", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.CONSUME(T.Name);
          this.OPTION(() => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.exprList);
            this.CONSUME(T.RParen);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.expr);
          this.CONSUME(T.RBracket);
        },
      },
    ]);
  });

  primary = this.RULE("primary", () => {
    this.OR({
      ERR_MSG: "an expression",
      DEF: [
        { ALT: () => this.CONSUME(T.NumberLit) },
        { ALT: () => this.CONSUME(T.StringLit) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.SUBRULE(this.listLit) },
        { ALT: () => this.SUBRULE(this.quant) },
        {
          ALT: () => {
            this.CONSUME(T.Identifier);
            this.OPTION(() => {
              this.CONSUME(T.LParen);
              this.SUBRULE(this.exprList);
              this.CONSUME(T.RParen);
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME2(T.LParen);
            this.SUBRULE(this.expr);
            this.CONSUME2(T.RParen);
          },
        },
      ],
    });
  });

  listLit = this.RULE("listLit", () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.exprList);
    this.CONSUME(T.RBracket);
  });

  /** Comma-separated expressions, possibly none (call arguments, list items). */
  exprList = this.RULE("exprList", () => {
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expr) });
  });

  /** `any(x in LIST: COND)` / `all(…)` */
  quant = this.RULE("quant", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Any) }, { ALT: () => this.CONSUME(T.All) }]);
    this.CONSUME(T.LParen);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.In);
    this.SUBRULE(this.expr);
    this.CONSUME(T.Colon);
    this.SUBRULE2(this.expr);
    this.CONSUME(T.RParen);
  });
}

/** One parser for the process: chevrotain's self-analysis is costly, parsing itself is not. */
export const parser = new AcpParser();
