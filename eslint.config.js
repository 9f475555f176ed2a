import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/test/**', '**/bin.ts', '**/cli/**', 'bench/**', '.ci/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The domain knows no transport and no Node: it imports the protocol and its own modules only.
    files: ['packages/server/src/domain/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: 'The domain imports no Node module.' })),
          patterns: [
            { group: ['node:*'], message: 'The domain imports no Node module.' },
            {
              group: ['../*.js', '../*/**'],
              message:
                'The domain imports only @confpush/protocol and its own modules (no api, gateway, auth …).',
            },
          ],
        },
      ],
    },
  },
);
