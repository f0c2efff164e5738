/**
 * `conditions:` is a boolean expression over dependency names:
 * `build && (tests || manualApproval)`, with `!`, `&&`, `||` and parentheses.
 * Dependency names may contain dashes, which CEL would read as subtraction, so
 * this small grammar is parsed here.
 *
 * @public
 */
export type ConditionNode =
  | { kind: 'name'; name: string }
  | { kind: 'not'; operand: ConditionNode }
  | { kind: 'and' | 'or'; left: ConditionNode; right: ConditionNode };

/** Parses a conditions expression; throws with the position on errors. @public */
export function parseConditions(text: string): ConditionNode {
  const tokens: Array<{ value: string; at: number }> = [];
  const pattern = /\s*(&&|\|\||!|\(|\)|[a-z0-9][-a-z0-9_]*)/giy;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) {
      if (text.slice(index).trim() === '') break;
      throw new Error(
        `unexpected '${text.slice(index).trim()[0]}' at position ${index + 1}`,
      );
    }
    tokens.push({
      value: match[1],
      at: match.index + match[0].indexOf(match[1]) + 1,
    });
    index = pattern.lastIndex;
  }
  let position = 0;
  const peek = () => tokens[position]?.value;
  const expect = (what: string) => {
    const token = tokens[position];
    if (!token) throw new Error(`expected ${what} at the end`);
    return token;
  };
  function parseOr(): ConditionNode {
    let left = parseAnd();
    while (peek() === '||') {
      position++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): ConditionNode {
    let left = parseFactor();
    while (peek() === '&&') {
      position++;
      left = { kind: 'and', left, right: parseFactor() };
    }
    return left;
  }
  function parseFactor(): ConditionNode {
    const token = expect('a dependency name');
    if (token.value === '!') {
      position++;
      return { kind: 'not', operand: parseFactor() };
    }
    if (token.value === '(') {
      position++;
      const inner = parseOr();
      const close = expect("')'");
      if (close.value !== ')')
        throw new Error(`expected ')' at position ${close.at}`);
      position++;
      return inner;
    }
    if (/^[a-z0-9]/i.test(token.value)) {
      position++;
      return { kind: 'name', name: token.value };
    }
    throw new Error(`unexpected '${token.value}' at position ${token.at}`);
  }
  if (tokens.length === 0) throw new Error('conditions are empty');
  const tree = parseOr();
  if (position < tokens.length) {
    throw new Error(
      `unexpected '${tokens[position].value}' at position ${tokens[position].at}`,
    );
  }
  return tree;
}

/** Names a conditions expression refers to. @public */
export function conditionNames(node: ConditionNode): string[] {
  switch (node.kind) {
    case 'name':
      return [node.name];
    case 'not':
      return conditionNames(node.operand);
    default:
      return [...conditionNames(node.left), ...conditionNames(node.right)];
  }
}

/** Evaluates conditions given which dependencies are satisfied. @public */
export function evaluateConditions(
  node: ConditionNode,
  satisfied: ReadonlySet<string>,
): boolean {
  switch (node.kind) {
    case 'name':
      return satisfied.has(node.name);
    case 'not':
      return !evaluateConditions(node.operand, satisfied);
    case 'and':
      return (
        evaluateConditions(node.left, satisfied) &&
        evaluateConditions(node.right, satisfied)
      );
    default:
      return (
        evaluateConditions(node.left, satisfied) ||
        evaluateConditions(node.right, satisfied)
      );
  }
}
