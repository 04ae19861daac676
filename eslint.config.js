// Lint rules: typescript-eslint's recommended set, plus the architecture's
// import directions (DESIGN.md §2) so a lower layer never reaches up.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (from, forbidden) => ({
  files: [`src/${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((target) => ({
          group: [`**/${target}/*`, `**/${target}`],
          message: `src/${from} must not import from src/${target} (imports point down: cli → app → http → engine → domain/formats/store/upstream).`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tap/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  layer('domain', ['engine', 'http', 'store', 'upstream', 'cli', 'app', 'config']),
  layer('formats', ['engine', 'http', 'store', 'upstream', 'cli', 'app', 'config']),
  layer('store', ['engine', 'http', 'cli', 'app', 'upstream']),
  layer('upstream', ['engine', 'http', 'cli', 'app', 'store']),
  layer('engine', ['http', 'cli', 'app']),
  layer('http', ['cli']),
);
