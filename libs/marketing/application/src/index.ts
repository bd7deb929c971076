export { MarketingModule } from './marketing.module';
