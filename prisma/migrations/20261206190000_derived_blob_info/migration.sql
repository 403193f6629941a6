-- What an encode for download did (gain applied, decoded true peak, the ceiling it met).
ALTER TABLE "derived_blob" ADD COLUMN "info" JSONB;
