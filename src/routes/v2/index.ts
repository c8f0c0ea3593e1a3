export { v2HealthRoutes, v2ModelRoutes } from './routes.js';
export { V2_MODEL_NAME } from './schemas.js';
