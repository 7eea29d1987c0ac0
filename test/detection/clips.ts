/** Test helper: clips generated from face-api's demo photos (see src/detection/clips.ts). */
export * from '../../src/detection/clips';
