// Error types split by who is at fault, each carrying what is needed to act.

/** A position in a knowledge file, for messages like `lists/某某镇.csv:12`. */
export interface Problem {
  file: string;
  line?: number;
  field?: string;
  message: string;
  expected?: string;
  severity: 'error' | 'warning';
}

export const formatProblem = (p: Problem): string => {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  const field = p.field ? ` 字段「${p.field}」` : '';
  const expected = p.expected ? `（应为：${p.expected}）` : '';
  const tag = p.severity === 'warning' ? '警告' : '错误';
  return `${tag} ${where}${field}：${p.message}${expected}`;
};

/** Bad configuration: an environment variable is missing or malformed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: { variable: string; value: string | undefined; expected: string }[]) {
    super(
      '配置有误 (configuration error):\n' +
        problems
          .map((p) => `  ${p.variable}=${p.value === undefined ? '(未设置)' : JSON.stringify(p.value)}：应为 ${p.expected}`)
          .join('\n'),
    );
  }
}

/** Bad knowledge file(s): every problem found, with file, line and field. */
export class KnowledgeError extends Error {
  override name = 'KnowledgeError';
  constructor(readonly problems: Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`知识库有 ${errors.length} 处错误：\n` + errors.map(formatProblem).join('\n'));
  }
}

/** Bad user input (a chat message or CLI argument); the message is safe to show. */
export class UserInputError extends Error {
  override name = 'UserInputError';
}

/** A dependency failed (database, model endpoint, puppet); says which and what to do. */
export class DependencyError extends Error {
  override name = 'DependencyError';
  constructor(
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency}: ${message}`, options);
  }
}
