namespace HdrOfx;
