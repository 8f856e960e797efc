/**
 * yargs' completion script, with one thing taught: a setting name completes
 * to `relay-port=`, and its value follows without a space (the shells would
 * add one after every candidate).
 */

/** Inserted in yargs' bash function after COMPREPLY is filled. */
const BASH_NOSPACE = `    # A setting name ends in "=": its value follows without a space.
    if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *= ]]; then compopt -o nospace; fi
`;

/** Replaces yargs' zsh `_describe` call: candidates ending in "=" get no suffix. */
const ZSH_DESCRIBE = `    local -a plain eq
    eq=(\${(M)reply:#*=})
    plain=(\${reply:#*=})
    _describe 'values' plain -- eq -S ''`;

export function teachScript(script: string): string {
  if (script.includes('#compdef')) return script.replace(/^ *_describe 'values' reply$/m, ZSH_DESCRIBE);
  return script.replace(/^( *# if no match was found)/m, `${BASH_NOSPACE}\n$1`);
}
