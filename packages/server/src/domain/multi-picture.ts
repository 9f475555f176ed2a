/**
 * The multi-picture layout (Huawei `SetMultiPicture`, body `RestMixedPictureBody`): how a layout set by the host
 * becomes the `multiPic` field of `ConfDynamicInfoNotify` (`MultiPicInfoNotify`: `picNum`, `picInfos`
 * [{`index`, `id`, `share`}], `period`; reference §8.2), and how `realTimeInfo` shows it back as Huawei's
 * `MultiPicDisplayDO` (`manualSet`, `imageType`, `subscriberInPics`, `switchTime`).
 */
import type { Item } from '@confpush/protocol';
import { DomainError } from './errors.js';
import type { ChangeBuilder } from './changes.js';
import { info } from './pinfo.js';

/** `imageType` values of `RestMixedPictureBody` and the number of panes of each. */
export const IMAGE_TYPE_PANES = {
  Single: 1,
  Two: 2,
  Three: 3,
  Four: 4,
  Six: 6,
  Nine: 9,
  Sixteen: 16,
} as const;

export type ImageType = keyof typeof IMAGE_TYPE_PANES;

/** `RestMixedPictureBody` after schema validation. */
export interface MultiPictureInput {
  /** 0 the system lays the picture out, 1 the host does (imageType and subscriberInPics then required). */
  manualSet: 0 | 1;
  imageType?: ImageType;
  subscriberInPics?: {
    /** Pane number, from 1. */
    index: number;
    /** Participants shown in the pane: their `pid` (realTimeInfo) or their number. */
    subscriber: string[];
    /** 0 main stream, 1 auxiliary (shared content) stream. */
    isAssistStream?: 0 | 1;
  }[];
  /** Seconds between participants of a pane that holds several. */
  switchTime?: number;
}

/** `MultiPicInfoNotify` as pushed in `ConfDynamicInfoNotify.multiPic`. */
export interface MultiPicInfo {
  picNum: number;
  picInfos: { index: number; id: string[]; share: 0 | 1 }[];
  period: number;
}

/** `MultiPicDisplayDO` (the layout in `realTimeInfo.confInfo.picDisplay`). */
export interface PicDisplay {
  manualSet: 0 | 1;
  imageType: ImageType;
  subscriberInPics: { index: number; id: string[]; share: 0 | 1 }[];
  switchTime: number;
}

/** The layout of a meeting nobody has laid out: one automatic picture. */
export function defaultMultiPic(): MultiPicInfo {
  return { picNum: 1, picInfos: [], period: 0 };
}

const P = 'ParticipantsNotify';
const STATUS = 'ConfDynamicInfoNotify';

/** Applies a layout: `multiPic` (and the pane count `picNum`) of the meeting status. */
export function setMultiPicture(b: ChangeBuilder, input: MultiPictureInput): void {
  if (input.manualSet === 0) {
    b.fields(STATUS, { multiPic: defaultMultiPic() });
    return;
  }
  const { imageType, subscriberInPics } = input;
  if (imageType === undefined)
    throw new DomainError('MMC_INVALID_PARAMETER', 'body.imageType is required when manualSet is 1');
  if (subscriberInPics === undefined || subscriberInPics.length === 0)
    throw new DomainError('MMC_INVALID_PARAMETER', 'body.subscriberInPics is required when manualSet is 1');
  const panes = IMAGE_TYPE_PANES[imageType];
  const seen = new Set<number>();
  const picInfos: MultiPicInfo['picInfos'] = [];
  for (const pic of subscriberInPics) {
    if (pic.index > panes)
      throw new DomainError(
        'MMC_INVALID_PARAMETER',
        `body.subscriberInPics index ${pic.index}: imageType ${imageType} has ${panes} panes`,
      );
    if (seen.has(pic.index))
      throw new DomainError('MMC_INVALID_PARAMETER', `body.subscriberInPics index ${pic.index} is repeated`);
    seen.add(pic.index);
    picInfos.push({
      index: pic.index,
      id: pic.subscriber.map((s) => numberOf(b, s)),
      share: pic.isAssistStream === 1 ? 1 : 0,
    });
  }
  picInfos.sort((x, y) => x.index - y.index);
  b.fields(STATUS, {
    picNum: panes,
    multiPic: { picNum: panes, picInfos, period: input.switchTime ?? 0 } satisfies MultiPicInfo,
  });
}

/**
 * `PicInfoNotify.id` lists the participants' SIP numbers (Huawei's `ShowLayout` model). A subscriber is named by
 * its `pid` (as the SDK model says) or by its number; a site without a number is listed by its `pid`.
 */
function numberOf(b: ChangeBuilder, subscriber: string): string {
  const item = b.item(P, subscriber);
  if (item) return info(item)['TEL'] || subscriber;
  for (const pid of b.keys(P)) if (info(b.item(P, pid))['TEL'] === subscriber) return subscriber;
  throw new DomainError(
    'PARTICIPANT_NOT_FOUND',
    `body.subscriberInPics: no online participant ${subscriber}`,
  );
}

const IMAGE_TYPE_BY_PANES = new Map<number, ImageType>(
  Object.entries(IMAGE_TYPE_PANES).map(([name, panes]) => [panes, name as ImageType]),
);

/** The layout set by the host as `MultiPicDisplayDO`; undefined while the system lays the picture out. */
export function picDisplayOf(status: Item): PicDisplay | undefined {
  const multiPic = status['multiPic'] as MultiPicInfo | undefined;
  if (!multiPic || multiPic.picInfos.length === 0) return undefined;
  return {
    manualSet: 1,
    imageType: IMAGE_TYPE_BY_PANES.get(multiPic.picNum) ?? 'Single',
    subscriberInPics: multiPic.picInfos,
    switchTime: multiPic.period,
  };
}
