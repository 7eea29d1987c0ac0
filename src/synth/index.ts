/** Synthetic masked faces: geometry, styles, placement, the `synth` run and the group/split caveat. */
export * from './geometry';
export * from './styles';
export * from './place';
export * from './confusers';
export * from './degrade';
export * from './landmarks';
export * from './synth';
export * from './groups';
export * from './rng';
export * from './check';
export * from './draw';
