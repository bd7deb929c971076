/** What the users write: Persian names, companies and texts, as a call centre in Tehran would record them. */
export const FIRST_NAMES = ['مریم', 'علی', 'زهرا', 'رضا', 'فاطمه', 'حسین', 'سارا', 'محمد', 'نرگس', 'امیر', 'لیلا', 'مهدی'] as const;
export const LAST_NAMES = ['احمدی', 'رضایی', 'کریمی', 'موسوی', 'حسینی', 'رحیمی', 'جعفری', 'صادقی', 'نوری', 'طاهری'] as const;

export const COMPANIES = [
  'شرکت فولاد مبارکه',
  'پتروشیمی خلیج فارس',
  'صنایع غذایی کوروش',
  'بازرگانی آریا',
  'داروسازی سینا',
  'کاشی و سرامیک یزد',
  'حمل و نقل پارس',
  'نرم‌افزار نوآوران',
] as const;

export const INDUSTRIES = ['فولاد', 'پتروشیمی', 'مواد غذایی', 'دارو', 'ساختمان', 'حمل و نقل', 'فناوری اطلاعات'] as const;

export const NEEDS = [
  'ورق فولادی گرم‌نورد',
  'سامانه مدیریت ارتباط با مشتری',
  'قرارداد نگهداری سالانه',
  'بسته‌بندی صادراتی',
  'تجهیزات آزمایشگاهی',
] as const;

export const SOLUTIONS = ['تحویل ماهانه با حمل', 'نصب و آموزش در محل', 'قرارداد سه‌ساله با پشتیبانی', 'پرداخت اقساطی'] as const;

export const LOSS_REASONS = ['قیمت رقیب پایین‌تر بود', 'بودجه مشتری حذف شد', 'زمان تحویل طولانی بود'] as const;

export const COMPLAINT_CATEGORIES = ['کیفیت کالا', 'تأخیر در تحویل', 'برخورد کارشناس', 'صورتحساب', 'خدمات پس از فروش'] as const;

export const COMPLAINT_TEXTS = [
  'کالای تحویلی معیوب بود و پشتیبانی پاسخ نداد',
  'سفارش دو هفته دیرتر از موعد رسید',
  'مبلغ صورتحساب با پیش‌فاکتور یکسان نیست',
  'کارشناس تلفنی با بی‌حوصلگی پاسخ داد',
] as const;

export const NOTES = [
  'با واحد انبار تماس گرفته شد',
  'گزارش حمل بررسی شد',
  'صورتحساب با واحد مالی تطبیق داده شد',
  'با مشتری تماس گرفته شد و جزئیات ثبت شد',
] as const;

export const RESPONSES = [
  'کالا تعویض می‌شود و هزینه ارسال بازپرداخت می‌شود',
  'مابه‌التفاوت صورتحساب به حساب مشتری برگشت داده می‌شود',
  'از مشتری عذرخواهی شد و کارشناس آموزش می‌بیند',
] as const;

export const FEEDBACK_TEXTS = ['برخورد کارشناس عالی بود', 'پیشنهاد می‌کنم پیگیری پیامکی اضافه شود', 'سایت کند است'] as const;

export function personName(first: string, last: string): string {
  return `${first} ${last}`;
}

const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';

/** Written the way it was typed: sometimes in Persian digits; the deciders normalise it. */
export function iranianMobile(n: number, persianDigits: boolean): string {
  const digits = `0912${String(n % 10_000_000).padStart(7, '0')}`;
  return persianDigits ? digits.replace(/\d/g, (d) => PERSIAN_DIGITS[Number(d)] as string) : digits;
}
