export { createNotificationAction } from './notificationAction';
