// One linter for the whole tree: the recommended rules plus type-aware checks for promises,
// which an HTTP service gets wrong most often (a forgotten await loses errors).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // assembly/ is AssemblyScript, checked by its own compiler (npm run build:kernels)
  { ignores: ['dist/', 'node_modules/', '.tmp/', 'artifacts/', 'coverage/', 'public/vendor/', 'assembly/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // the service never imports the offline tools: they stay out of its image
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/tools/**'], message: 'src/ is the service: it does not import the offline tools (tools/)' }] },
      ],
    },
  },
);
