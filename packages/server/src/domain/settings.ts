/** Settings of the meeting in progress: lock, started-meeting configuration, length, pause, audience. */
import { STATUS, type LiveHandler } from './live-meeting.js';

export const lock: LiveHandler<'lock'> = (m, command) => {
  m.b.fields(STATUS, { lock: command.locked ? 1 : 0 });
};

/** `updateStartedConfConfig`: each setting given becomes its ConfDynamicInfoNotify field. */
export const updateConfig: LiveHandler<'updateConfig'> = (m, { config }) => {
  const fields: Record<string, unknown> = {};
  if (config.lockSharing !== undefined) fields['lockSharing'] = config.lockSharing;
  if (config.callInRestriction !== undefined) fields['callInRestriction'] = config.callInRestriction;
  if (config.allowUnmuteByOneself !== undefined) fields['canUnmute'] = config.allowUnmuteByOneself;
  if (config.chatPermission !== undefined) {
    fields['forbiddenChat'] = config.chatPermission === 1 ? 1 : 0;
    fields['chatPermission'] = config.chatPermission;
  }
  if (config.audienceCallInRestriction !== undefined)
    fields['audienceCallInRestriction'] = config.audienceCallInRestriction;
  if (config.clientRecMode !== undefined) fields['clientRecMode'] = config.clientRecMode;
  if (config.allowOpenCamera !== undefined) fields['allowOpenCamera'] = config.allowOpenCamera;
  if (config.allowRename !== undefined) fields['allowRename'] = config.allowRename;
  if (config.isLock !== undefined) fields['lock'] = config.isLock;
  if (config.freeShare !== undefined) fields['enableShareSetting'] = config.freeShare;
  m.b.fields(STATUS, fields);
};

/** Lengthens the meeting: the record's length and the pushed end time. */
export const extend: LiveHandler<'extend'> = (m, command) => {
  const record = { ...m.state.record, length: m.state.record.length + command.minutes, updatedAt: m.ctx.now };
  m.setRecord(record);
  m.b.fields(STATUS, {
    endTime: String((record.startedAt ?? record.scheduledStartAt) + record.length * 60_000),
  });
};

export const pause: LiveHandler<'pause'> = (m, command) => {
  m.b.fields(STATUS, { pause: command.paused });
};

export const allowAudience: LiveHandler<'allowAudience'> = (m, command) => {
  m.b.fields(STATUS, { allowAudience: command.allow });
};
