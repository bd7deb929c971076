export { ActivitiesModule } from './activities.module';
