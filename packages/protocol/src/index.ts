export * from './categories.js';
export * from './codes.js';
export * from './codec.js';
export * from './frames.js';
export * from './normalize.js';
export * from './position.js';
export * from './replica.js';
