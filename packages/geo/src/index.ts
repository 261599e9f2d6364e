// Geometry shared by the services that plan and follow drone routes.
export { locate, parseServiceArea, SEATTLE, type ServiceArea } from './service-area.ts';
export { serviceAreaSetting } from './setting.ts';
export { distanceMiles, greatCirclePoint, positionAt } from './sphere.ts';
