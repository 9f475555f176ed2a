/** Simultaneous interpretation: the interpreter groups and switching interpretation on or off. */
import type { Item } from '@confpush/protocol';
import type { InterpreterGroupInput } from './commands.js';
import { DomainError } from './errors.js';
import { STATUS, type LiveHandler } from './live-meeting.js';

const MAX_INTERPRETER_LANGUAGES = 16;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/;

export const setInterpreterGroups: LiveHandler<'setInterpreterGroups'> = (m, { groups }) => {
  m.b.value('InterpreterGroupNotify', interpreterGroups(groups));
};

export const simultaneousInterpretation: LiveHandler<'simultaneousInterpretation'> = (m, command) => {
  m.b.fields(STATUS, { simultaneousInterpretation: command.on ? 1 : 0 });
};

function interpreterGroups(groups: readonly InterpreterGroupInput[]): Item[] {
  const ids = new Set<string>();
  const languages = new Set<string>();
  for (const g of groups) {
    if (ids.has(g.groupID)) throw new DomainError('INTERPRETER_GROUP_DUPLICATE', `groupID ${g.groupID}`);
    ids.add(g.groupID);
    if (
      !LANGUAGE.test(g.firstLanguage) ||
      !LANGUAGE.test(g.secondLanguage) ||
      g.firstLanguage === g.secondLanguage
    ) {
      throw new DomainError('INTERPRETER_LANGUAGE_INVALID', `group ${g.groupID}`);
    }
    languages.add(g.firstLanguage);
    languages.add(g.secondLanguage);
  }
  if (languages.size > MAX_INTERPRETER_LANGUAGES) throw new DomainError('INTERPRETER_TOO_MANY_LANGUAGES');
  return groups.map((g) => ({
    groupID: g.groupID,
    ...(g.groupName !== undefined ? { groupName: g.groupName } : {}),
    firstLanguage: g.firstLanguage,
    secondLanguage: g.secondLanguage,
    groupType: g.groupType ?? 'MANUAL',
    interpreters: g.interpreters.map((i) => ({ ...i, interpreterType: i.interpreterType ?? 'MANUAL' })),
  }));
}
